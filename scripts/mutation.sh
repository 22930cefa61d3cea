#!/bin/sh
# Mutation testing of the security-relevant packages with mutmut 3 (config: [tool.mutmut] in
# pyproject.toml; results and explained survivors: docs/security.md, "Mutation testing").
#
#   scripts/mutation.sh                      # status, registry, verify, proofs (hours)
#   scripts/mutation.sh 'mcbadge.status.*'   # one package (mutant-name globs)
#   MUTMUT_JOBS=1 scripts/mutation.sh ...    # fewer workers on a shared machine
#
# mutmut copies src/ and tests/ into ./mutants, runs the selected tests once to learn which
# tests reach which function, then runs, for each mutant, only those tests; a mutant that
# makes them fail is killed, one that outlives mutmut's time limit is "timeout", one they
# pass is a survivor (`mutmut show <name>` prints its diff). Runs at nice 19.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || make install
.venv/bin/python -c 'import mutmut' 2>/dev/null || .venv/bin/python -m pip install --quiet 'mutmut==3.8.1'
if [ "$#" -eq 0 ]; then
    set -- 'mcbadge.status.*' 'mcbadge.registry.*' 'mcbadge.verify.*' 'mcbadge.proofs.*'
fi
nice -n 19 .venv/bin/mutmut run --max-children "${MUTMUT_JOBS:-2}" "$@"
.venv/bin/mutmut results --all true
