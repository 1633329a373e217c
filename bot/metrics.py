"""What the bot counts for Prometheus (`GET /metrics` on the web console, docs/web.md).

One registry per Bot, so two bots in one process count apart. Every name starts with
`groupbot_`. The core calls these hooks; nothing here reads the store.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric

from bot.events import Event

SEND_WINDOW = 60.0  # seconds over which the send rate is measured
_SNAKE = re.compile(r"(?<=[a-z])(?=[A-Z])")  # MemberJoined -> member_joined


class Metrics:
    def __init__(self, now: Callable[[], float] = time.monotonic,
                 account: str | None = None) -> None:
        self._now = now
        self.account = account
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.handled = _Handled()  # groupbot_events_handled, groupbot_event_handling_seconds
        r.register(self.handled)
        self.handler_errors = Counter("groupbot_handler_errors", "Handlers that raised",
                                      ["handler"], registry=r)
        self.actions = Counter("groupbot_actions_sent", "Actions the platform carried out, "
                               "by kind", ["kind"], registry=r)
        self.action_failures = Counter("groupbot_actions_failed", "Actions refused or given "
                                       "up, by kind", ["kind"], registry=r)
        self.governor_deferred = Counter("groupbot_governor_deferred", "Actions the send "
                                         "budget held back, by kind", ["kind"], registry=r)
        self.governor_dropped = Counter("groupbot_governor_dropped", "Actions dropped after "
                                        "waiting for the send budget too long, by kind",
                                        ["kind"], registry=r)
        self.governor_pauses = Counter("groupbot_governor_pauses", "Pauses after WeChat "
                                       "pushed back, by budget ('*': the account)", ["budget"],
                                       registry=r)
        self.budget_used = Gauge("groupbot_budget_used", "Send budget used in the last hour "
                                 "or day, by budget", ["budget", "window"], registry=r)
        self.budget_limit = Gauge("groupbot_budget_limit", "Send budget (warm-up included) "
                                  "for the last hour or day, by budget", ["budget", "window"],
                                  registry=r)
        self.reloads = Counter("groupbot_config_reloads", "Config reloads, by outcome",
                               ["outcome"], registry=r)
        self.reconnects = Counter("groupbot_gateway_reconnects", "Connections to the platform "
                                  "made again after it was lost", registry=r)
        self.connected = Gauge("groupbot_platform_connected", "1 while the platform is "
                               "connected", registry=r)
        self.outbox_depth = Gauge("groupbot_outbox_depth", "Actions queued in the outbox",
                                  registry=r)
        self.leases_held = Gauge("groupbot_leases_held", "Groups this account serves "
                                 "(several accounts: docs/scale.md)", registry=r)
        self.send_rate = Gauge("groupbot_outbox_sent_per_minute", "Actions sent in the last "
                               "minute", registry=r)
        self.send_rate.set_function(self.sent_last_minute)
        self._sent: deque[float] = deque()
        self.is_connected = False
        self._ever_connected = False

    def handling(self, event: Event) -> _Timed:
        """Count one event by kind and time its handling (`with metrics.handling(event):`)."""
        handled = self.handled
        kind = type(event)
        handled.kinds[kind] = handled.kinds.get(kind, 0) + 1
        return _Timed(handled)

    def sent(self, kind: str) -> None:
        self.actions.labels(kind).inc()
        self._sent.append(self._now())

    def sent_last_minute(self) -> int:
        edge = self._now() - SEND_WINDOW
        while self._sent and self._sent[0] < edge:
            self._sent.popleft()
        return len(self._sent)

    def platform(self, connected: bool) -> None:
        """The platform's state changed: a connection after a lost one is a reconnect."""
        if connected and not self.is_connected and self._ever_connected:
            self.reconnects.inc()
        self._ever_connected |= connected
        self.is_connected = connected
        self.connected.set(1 if connected else 0)

    def queued(self, depth: Callable[[], int]) -> None:
        self.outbox_depth.set_function(depth)

    def text(self) -> bytes:
        if self.account is None:
            return generate_latest(self.registry)
        return generate_latest(_Labelled(self.registry, self.account))


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class _Handled:
    """Events handled, by kind, and the time each took (all its handlers): kept as plain
    numbers as each event ends, and made into the two metrics only when they are read
    (prometheus_client's Counter and Histogram take a lock and a dozen calls per event)."""

    def __init__(self) -> None:
        self.kinds: dict[type[Event], int] = {}
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)  # each bound's own, then +Inf's
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.sum += seconds

    def describe(self) -> Iterator[Metric]:
        return self.collect()

    def collect(self) -> Iterator[Metric]:
        events = CounterMetricFamily("groupbot_events_handled", "Events handled, by kind",
                                     labels=["kind"])
        for kind, count in sorted(self.kinds.items(), key=lambda item: item[0].__name__):
            events.add_metric([_SNAKE.sub("_", kind.__name__).lower()], count)
        yield events
        latency = HistogramMetricFamily("groupbot_event_handling_seconds",
                                        "Time to handle one event (all its handlers)")
        cumulative, buckets = 0, []
        for bound, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), self.buckets,
                                strict=True):
            cumulative += count
            buckets.append((bound, float(cumulative)))
        latency.add_metric([], buckets, self.sum)
        yield latency


class _Timed:
    """Observes the time from its start to its end. A plain class: it is entered once per
    event, and a generator-based context costs several times more."""

    __slots__ = ("_handled", "_start")

    def __init__(self, handled: _Handled) -> None:
        self._handled = handled
        self._start = 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self._handled.observe(time.perf_counter() - self._start)


class _Labelled:
    """A registry's metrics with `account="NAME"` on every sample: with several accounts,
    one process each, every process's /metrics says whose it is (docs/scale.md)."""

    def __init__(self, registry: CollectorRegistry, account: str) -> None:
        self._registry = registry
        self._account = account

    def collect(self) -> Iterator[Metric]:
        for metric in self._registry.collect():
            metric.samples = [s._replace(labels={**s.labels, "account": self._account})
                              for s in metric.samples]
            yield metric
