"""mcbadge: issue and verify Open Badges 3.0 credentials (W3C Verifiable Credentials).

The public face of the library::

    import mcbadge

    result = mcbadge.verify(data, mcbadge.VerificationPolicy(offline=True))
    signed = mcbadge.sign(credential, mcbadge.load_key("key.json"), format="eddsa-rdfc-2022")

``mcbadge.sign`` refuses (:class:`SigningRefusedError`, with the check id and code
``mcbadge.verify`` would report) a credential that fails the data model, the bundled JSON
Schema, the context allow-list or the validity-date syntax; ``mcbadge.proofs.sign`` is the
unchecked primitive.

Only the errors are imported eagerly. Every other public name is loaded on first use (PEP 562
module ``__getattr__``), so ``import mcbadge`` and the CLI start fast, no heavy dependency
(pyld, jwcrypto, SQLAlchemy, httpx) is imported until needed, and nothing touches the network
at import time.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from mcbadge.errors import (
    BakingError,
    CanonicalizationError,
    ContextError,
    DataLossError,
    DIDError,
    FetchError,
    InputError,
    JWTError,
    KeyMaterialError,
    MCBadgeError,
    NetworkPolicyError,
    ProofError,
    RegistryError,
    SchemaError,
    SignatureError,
    StatusError,
    ValidationError,
)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load lazily
    from mcbadge.baking import bake, unbake
    from mcbadge.clr import build_clr
    from mcbadge.issuer import Issuer
    from mcbadge.keys import Key, generate_key, load_key
    from mcbadge.models import parse_credential
    from mcbadge.models.builders import (
        RosterRow,
        achievement,
        alignment,
        award,
        evidence,
        load_catalog,
        load_profile,
        load_roster,
        profile,
        rubric,
    )
    from mcbadge.present import present, sign_presentation
    from mcbadge.proofs import SignedCredential, verify_proof
    from mcbadge.registry import Registry
    from mcbadge.schema import validate
    from mcbadge.signing import SigningRefusedError, check_before_signing, sign
    from mcbadge.verify import (
        BundleResult,
        VerificationPolicy,
        VerificationResult,
        verify,
        verify_many,
        verify_presentation,
    )
    from mcbadge.verify.clr import verify_clr

__version__ = "0.1.0"

#: public name -> the module that defines it (imported on first access)
_LAZY: dict[str, str] = {
    # verifying
    "verify": "mcbadge.verify",
    "verify_many": "mcbadge.verify",
    "verify_clr": "mcbadge.verify.clr",
    "VerificationPolicy": "mcbadge.verify",
    "VerificationResult": "mcbadge.verify",
    "verify_presentation": "mcbadge.verify",
    "BundleResult": "mcbadge.verify",
    # presenting (the holder's side)
    "present": "mcbadge.present",
    "sign_presentation": "mcbadge.present",
    # signing and keys
    "sign": "mcbadge.signing",
    "check_before_signing": "mcbadge.signing",
    "SigningRefusedError": "mcbadge.signing",
    "verify_proof": "mcbadge.proofs",
    "SignedCredential": "mcbadge.proofs",
    "Key": "mcbadge.keys",
    "generate_key": "mcbadge.keys",
    "load_key": "mcbadge.keys",
    # issuing
    "Issuer": "mcbadge.issuer",
    "Registry": "mcbadge.registry",
    "build_clr": "mcbadge.clr",
    # badge images
    "bake": "mcbadge.baking",
    "unbake": "mcbadge.baking",
    # the data model
    "parse_credential": "mcbadge.models",
    "validate": "mcbadge.schema",
    "achievement": "mcbadge.models.builders",
    "alignment": "mcbadge.models.builders",
    "award": "mcbadge.models.builders",
    "evidence": "mcbadge.models.builders",
    "profile": "mcbadge.models.builders",
    "rubric": "mcbadge.models.builders",
    "load_catalog": "mcbadge.models.builders",
    "load_profile": "mcbadge.models.builders",
    "load_roster": "mcbadge.models.builders",
    "RosterRow": "mcbadge.models.builders",
}

__all__ = [
    "BakingError",
    "BundleResult",
    "CanonicalizationError",
    "ContextError",
    "DIDError",
    "DataLossError",
    "FetchError",
    "InputError",
    "Issuer",
    "JWTError",
    "Key",
    "KeyMaterialError",
    "MCBadgeError",
    "NetworkPolicyError",
    "ProofError",
    "Registry",
    "RegistryError",
    "RosterRow",
    "SchemaError",
    "SignatureError",
    "SignedCredential",
    "SigningRefusedError",
    "StatusError",
    "ValidationError",
    "VerificationPolicy",
    "VerificationResult",
    "__version__",
    "achievement",
    "alignment",
    "award",
    "bake",
    "build_clr",
    "check_before_signing",
    "evidence",
    "generate_key",
    "load_catalog",
    "load_key",
    "load_profile",
    "load_roster",
    "parse_credential",
    "present",
    "profile",
    "rubric",
    "sign",
    "sign_presentation",
    "unbake",
    "validate",
    "verify",
    "verify_clr",
    "verify_many",
    "verify_presentation",
    "verify_proof",
]


class _CallableVerifyModule(types.ModuleType):
    """The ``mcbadge.verify`` package, callable as its own ``verify`` function.

    ``mcbadge.verify`` names both a subpackage and the top-level function. Python's import
    system binds the subpackage as the ``verify`` attribute of ``mcbadge`` whenever it is first
    imported (and ``import mcbadge.verify.pipeline as p`` needs that binding), so the attribute
    stays the package, and calling it calls :func:`mcbadge.verify.verify`.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # ``mcbadge.verify`` calls verify(); ``mcbadge.present`` (the same case) calls present()
        return getattr(self, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


#: Submodules named like the function they export (see _CallableVerifyModule).
_CALLABLE_MODULES = ("verify", "present")


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE_MODULES and type(value) is types.ModuleType:
            value.__class__ = _CallableVerifyModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mcbadge' has no attribute {name!r}")
    loaded = importlib.import_module(module)
    if name in _CALLABLE_MODULES:
        return loaded  # the callable module (see _CallableVerifyModule)
    value = getattr(loaded, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
