#!/bin/sh
# Mutation testing of the security-relevant packages with mutmut 3 (config: [tool.mutmut] in
# pyproject.toml; results and explained survivors: docs/security.md, "Mutation testing").
#
#   scripts/mutation.sh                      # status, registry, verify, proofs (hours)
#   scripts/mutation.sh 'mcbadge.status.*'   # one package (mutant-name globs)
#   MUTMUT_JOBS=1 scripts/mutation.sh ...    # fewer workers on a shared machine
#   MUTMUT_KEEP=1 scripts/mutation.sh NAME... # re-run named mutants, keeping mutants/
#
# mutmut copies src/ and tests/ into ./mutants, runs the selected tests once to learn which
# tests reach which function, then runs, for each mutant, only those tests; a mutant that
# makes them fail is killed, one that outlives mutmut's time limit is "timeout", one they
# pass is a survivor (`mutmut show <name>` prints its diff). Runs at nice 19.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make install
.venv/bin/python -c 'import mutmut' 2>/dev/null || .venv/bin/python -m pip install --quiet 'mutmut==3.8.1'
# mutmut keeps its map of which test reaches which function in mutants/ and, when a source
# function changes, drops that function's entries without re-learning them (its mutants then
# show "no tests"): after changing src/, start clean. MUTMUT_KEEP=1 keeps mutants/ (to re-run
# named survivors after adding tests, with src/ unchanged).
if [ "${MUTMUT_KEEP:-0}" != 1 ]; then
    rm -rf mutants
fi
if [ "$#" -eq 0 ]; then
    set -- 'mcbadge.status.*' 'mcbadge.registry.*' 'mcbadge.verify.*' 'mcbadge.proofs.*'
fi
nice -n 19 .venv/bin/mutmut run --max-children "${MUTMUT_JOBS:-2}" "$@"
.venv/bin/mutmut results --all true
