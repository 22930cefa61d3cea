"""RDF Dataset Canonicalization (RDFC-1.0, https://www.w3.org/TR/rdf-canon/) in pure Python.

Works on the :data:`~mcbadge.jsonld.nquads.Dataset` representation (terms as canonical
N-Quads strings). A work budget bounds the N-degree hashing so that "poison" graphs built to
make canonicalization explode fail fast with
``CanonicalizationError(code="canonicalization.budget_exceeded")``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from mcbadge.errors import CanonicalizationError
from mcbadge.jsonld.nquads import Dataset, Quad

__all__ = ["DEFAULT_MAX_WORK", "canonicalize", "issued_identifiers"]

#: Units of work allowed by default: one unit per Hash N-Degree Quads call and one per
#: permutation examined. Credentials need a handful, the largest W3C suite graph 3,348; the
#: W3C poison graph (a 10-node clique) needs far more and fails in under 0.1 s.
DEFAULT_MAX_WORK = 10_000

_HASHES: dict[str, Callable[[bytes], Any]] = {"SHA256": hashlib.sha256, "SHA384": hashlib.sha384}


def _distinct_permutations(items: list[str]) -> Iterator[list[str]]:
    """Each distinct ordering once (lexicographic). A related blank node is listed once per
    quad linking it, so lists repeat entries; repeated orderings give identical paths and
    issuers, and skipping them changes no result while avoiding n! work."""
    current = sorted(items)
    while True:
        yield current
        pivot = len(current) - 2
        while pivot >= 0 and current[pivot] >= current[pivot + 1]:
            pivot -= 1
        if pivot < 0:
            return
        successor = len(current) - 1
        while current[successor] <= current[pivot]:
            successor -= 1
        current = current[:]
        current[pivot], current[successor] = current[successor], current[pivot]
        current[pivot + 1 :] = reversed(current[pivot + 1 :])


class _Issuer:
    """An identifier issuer. Keys and issued identifiers are whole blank-node terms
    (``_:b3`` -> ``_:c14n0``), so neither hashing nor relabelling slices or joins labels."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = "_:" + prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        found = self.issued.get(existing)
        if found is None:
            found = self.prefix + str(self.counter)
            self.counter += 1
            self.issued[existing] = found
        return found

    def copy(self) -> _Issuer:
        clone = _Issuer.__new__(_Issuer)
        clone.prefix = self.prefix
        clone.counter = self.counter
        clone.issued = self.issued.copy()
        return clone


class _State:
    def __init__(self, dataset: Dataset, hash_name: str, max_work: int) -> None:
        hasher = _HASHES.get(hash_name.upper().replace("-", ""))
        if hasher is None:
            raise CanonicalizationError(
                f"hash algorithm {hash_name!r} is not supported",
                code="canonicalization.hash_algorithm",
            )
        self.new_hash = hasher
        self.max_work = max_work
        self.work = 0
        self.quads_of: defaultdict[str, list[Quad]] = defaultdict(list)
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("c14n")
        # A dataset is a set: a repeated quad is counted once.
        self.quads: list[Quad] = list(dict.fromkeys(dataset))
        quads_of = self.quads_of
        # Terms are canonical N-Quads strings: only a blank node starts with "_" (IRIs start
        # with "<", literals with '"', the default graph is "").
        for quad in self.quads:
            subject, _predicate, obj, graph = quad
            if subject[:1] == "_":
                quads_of[subject].append(quad)
            if obj[:1] == "_" and obj != subject:
                quads_of[obj].append(quad)
            if graph[:1] == "_" and graph != subject and graph != obj:
                quads_of[graph].append(quad)

    def spend(self) -> None:
        self.work += 1
        if self.work > self.max_work:
            raise CanonicalizationError(
                "the document's blank-node structure is too complex to canonicalize safely",
                code="canonicalization.budget_exceeded",
            )

    def hash_first_degree(self, node: str) -> str:
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for subject, predicate, obj, graph in self.quads_of[node]:
            if subject[:1] == "_":
                subject = "_:a" if subject == node else "_:z"
            if obj[:1] == "_":
                obj = "_:a" if obj == node else "_:z"
            if graph:
                if graph[:1] == "_":
                    graph = "_:a" if graph == node else "_:z"
                lines.append(f"{subject} {predicate} {obj} {graph} .\n")
            else:
                lines.append(f"{subject} {predicate} {obj} .\n")
        lines.sort()
        result: str = self.new_hash("".join(lines).encode()).hexdigest()
        self.first_degree[node] = result
        return result

    def hash_related(self, related: str, predicate: str, issuer: _Issuer, position: str) -> str:
        """Hash Related Blank Node; ``predicate`` is "" for the graph position."""
        label = self.canonical.issued.get(related) or issuer.issued.get(related)
        if label is None:
            label = self.hash_first_degree(related)
        result: str = self.new_hash((position + predicate + label).encode()).hexdigest()
        return result

    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        self.spend()
        hash_to_related: defaultdict[str, list[str]] = defaultdict(list)
        hash_related = self.hash_related
        for subject, predicate, obj, graph in self.quads_of[node]:
            if subject[:1] == "_" and subject != node:
                hash_to_related[hash_related(subject, predicate, issuer, "s")].append(subject)
            if obj[:1] == "_" and obj != node:
                hash_to_related[hash_related(obj, predicate, issuer, "o")].append(obj)
            if graph[:1] == "_" and graph != node:
                hash_to_related[hash_related(graph, "", issuer, "g")].append(graph)
        canonical = self.canonical.issued
        data: list[str] = []
        for related_hash in sorted(hash_to_related):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in _distinct_permutations(hash_to_related[related_hash]):
                self.spend()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    known = canonical.get(related)
                    if known is not None:
                        path += known
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related) + "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return self.new_hash("".join(data).encode()).hexdigest(), issuer

    def run(self) -> None:
        by_hash: dict[str, list[str]] = {}
        for node in self.quads_of:
            digest = self.hash_first_degree(node)
            found = by_hash.get(digest)
            if found is None:
                by_hash[digest] = [node]
            else:
                found.append(node)
        unique = sorted((digest, nodes[0]) for digest, nodes in by_hash.items() if len(nodes) == 1)
        for _digest, node in unique:
            self.canonical.issue(node)
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) == 1:
                continue
            results: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer("b")
                temporary.issue(node)
                results.append(self.hash_n_degree(node, temporary))
            results.sort(key=lambda item: item[0])
            for _hash, result_issuer in results:
                for existing in result_issuer.issued:  # insertion order == issue order
                    self.canonical.issue(existing)


def _run(dataset: Dataset, hash_algorithm: str, max_work: int | None) -> _State:
    state = _State(dataset, hash_algorithm, DEFAULT_MAX_WORK if max_work is None else max_work)
    state.run()
    return state


def issued_identifiers(
    dataset: Dataset, *, hash_algorithm: str = "SHA256", max_work: int | None = None
) -> dict[str, str]:
    """The canonical issued identifiers map: input blank node label -> ``c14nN`` label."""
    issued = _run(dataset, hash_algorithm, max_work).canonical.issued
    return {existing[2:]: label[2:] for existing, label in issued.items()}


def canonicalize(
    dataset: Dataset, *, max_work: int | None = None, hash_algorithm: str = "SHA256"
) -> str:
    """Canonical N-Quads (RDFC-1.0) of ``dataset``: relabelled, deduplicated, sorted lines."""
    state = _run(dataset, hash_algorithm, max_work)
    # Every blank node of the dataset has a canonical label; only blank-node terms are keys
    # (nothing else starts with "_:"), so a lookup with the term as default relabels exactly
    # them. The quads are distinct and relabelling is one-to-one: so are the lines.
    relabel = state.canonical.issued.get
    lines: list[str] = []
    append = lines.append
    for subject, predicate, obj, graph in state.quads:
        if graph:
            append(
                f"{relabel(subject, subject)} {predicate} {relabel(obj, obj)} "
                f"{relabel(graph, graph)} .\n"
            )
        else:
            append(f"{relabel(subject, subject)} {predicate} {relabel(obj, obj)} .\n")
    lines.sort()
    text = "".join(lines)
    # A raw line break inside a term would make the canonical text ambiguous (and not
    # N-Quads): pyld's absolute-IRI test lets "urn:x\n" through. One count over the text.
    if text.count("\n") != len(lines):
        raise CanonicalizationError(
            "a term of the dataset contains a line break and cannot be written as N-Quads",
            code="canonicalization.invalid_term",
        )
    return text
