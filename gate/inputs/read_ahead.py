"""An iterator's next items made in a background thread while the caller works on the current one.

Parsing a CSV block (pyarrow, without the GIL) and profiling the previous one (mostly numpy)
then overlap. At most `depth` finished items wait in the queue, so memory stays bounded by a
few batches. The thread never outlives the iteration: closing the iterator, or an error on
either side, stops the producer, closes its source in its own thread and joins it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_ITEM, _DONE, _ERROR = "item", "done", "error"
POLL_SECONDS = 0.05  # how soon a blocked producer notices that the consumer stopped


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of `items`, in order, each produced while the previous one is used; an error
    of `items` is raised here, at the item where it happened."""
    slots: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stopped = threading.Event()
    thread = threading.Thread(
        target=_produce, args=(items, slots, stopped), name="read-ahead", daemon=True
    )
    thread.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == _DONE:
                return
            if kind == _ERROR:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stopped.set()
        while thread.is_alive():
            _drain(slots)
            thread.join(POLL_SECONDS)


def _produce(items: Iterator[T], slots: queue.Queue, stopped: threading.Event) -> None:
    try:
        for item in items:
            if not _put(slots, (_ITEM, item), stopped):
                return
        _put(slots, (_DONE, None), stopped)
    except BaseException as exc:  # handed to the consumer, raised there
        _put(slots, (_ERROR, exc), stopped)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # a generator is closed in the thread that ran it


def _put(slots: queue.Queue, entry: tuple[str, object], stopped: threading.Event) -> bool:
    """Queue `entry` unless the consumer stopped first; whether it was queued."""
    while not stopped.is_set():
        try:
            slots.put(entry, timeout=POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def _drain(slots: queue.Queue) -> None:
    try:
        while True:
            slots.get_nowait()
    except queue.Empty:
        pass
