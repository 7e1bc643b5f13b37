"""Re-driving documents from the worklist: a registry the flow engine (apps.sync) fills at start-up.

The worklist does not know how to run a pipeline; it asks whoever registered. Until the flow engine registers,
every retry and replay answers `FlowEngineNotRunning` with a message a finance user understands — never a
pretend success.

Contract for the registered functions (the pipeline implements them):
    redriver(item, *, actor, dry_run: bool) -> RedriveResult   # retry from item.stage, applying item.corrections
    replayer(item, *, actor, dry_run: bool) -> RedriveResult   # replay a dead-lettered or posted document;
                                                               # dry_run returns the diff; never posts twice
They run inside the caller's transaction, so anything they enqueue should use `transaction.on_commit`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from apps.worklist.errors import WorklistError


@dataclass(frozen=True)
class RedriveResult:
    ok: bool
    message: str  # in finance language: "Queued for posting from the mapping stage."
    diff: list[dict] = field(default_factory=list)  # dry runs: [{"field", "before", "after"}]
    task_id: str = ""


class FlowEngineNotRunning(WorklistError):
    """Nothing is registered to re-drive documents: the flow engine is not installed or not started."""


NOT_RUNNING = (
    "The flow engine is not running yet, so documents cannot be {verb} from the worklist. Nothing was changed; "
    "the item stays open. Ask your integration admin to start the flow engine, then try again."
)

_registry: dict[str, Callable] = {}


def register_redriver(func: Callable) -> Callable:
    """Register the function that retries an item's document from the stage that failed (last one wins)."""
    _registry["redrive"] = func
    return func


def register_replayer(func: Callable) -> Callable:
    """Register the function that replays a dead-lettered or already posted document (last one wins)."""
    _registry["replay"] = func
    return func


def unregister_all() -> None:
    """For tests: forget every registered engine."""
    _registry.clear()


def engine_available(kind: str = "redrive") -> bool:
    return kind in _registry


def redrive(item, *, actor, dry_run: bool = False) -> RedriveResult:
    """Retry `item`'s subject through the registered engine. Raises FlowEngineNotRunning when none is registered."""
    return _call("redrive", item, actor=actor, dry_run=dry_run, verb="retried")


def replay(item, *, actor, dry_run: bool = True) -> RedriveResult:
    """Replay `item`'s document (dry run by default). Raises FlowEngineNotRunning when none is registered."""
    return _call("replay", item, actor=actor, dry_run=dry_run, verb="replayed")


def _call(kind: str, item, *, actor, dry_run: bool, verb: str) -> RedriveResult:
    func = _registry.get(kind)
    if func is None:
        raise FlowEngineNotRunning(NOT_RUNNING.format(verb=verb))
    result = func(item, actor=actor, dry_run=dry_run)
    if not isinstance(result, RedriveResult):
        raise TypeError(f"the registered {kind} function must return a RedriveResult, not {type(result).__name__}")
    return result
