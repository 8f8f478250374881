"""The suite's registry as bm_fanout writes it into the JSON context under `fanout_registry`:
its strategies with their traits, its workloads, and per benchmark family the counters that are
measurements and those that only repeat a parameter (docs/design.md, "Layers and the registry").

    reg = Registry.parse(context["fanout_registry"])
    reg.strategy_names()    # in report order
    reg.bounded()           # the strategies with a limit
    reg.family_of("wait")   # "fanout"

Every name of a strategy, workload or counter that the report lists comes from here, so a
strategy or a counter added to the C++ needs no change to the Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

KEY = "fanout_registry"
# The family whose benchmarks are named by their workload (wait/..., cpu/...), not by the family.
FANOUT = "fanout"


@dataclass(frozen=True)
class Strategy:
    """A strategy and the traits the report uses: its parameters besides `items`, whether it
    has an open-loop form, and what it runs on (`executor`: loop, threads, runtime, tbb,
    loop+tbb; docs/design.md section 1)."""

    name: str
    params: tuple
    open_loop: bool
    executor: str = ""
    in_order: bool = False  # results come in input order (ordered buffering)

    @property
    def bounded(self) -> bool:
        return "limit" in self.params


@dataclass(frozen=True)
class Family:
    """A benchmark family's counters: its measurements and those that repeat a parameter."""

    metrics: tuple
    params: tuple


def _names(items, what: str) -> list:
    if not isinstance(items, list):
        raise ValueError(f"'{what}' is not a list")
    if not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        raise ValueError(f"an entry of '{what}' without a name")
    return items


def _strings(value, what: str) -> tuple:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{what}' is not a list of names")
    return tuple(value)


def _family(name: str, value) -> Family:
    if not isinstance(value, dict):
        raise ValueError(f"family '{name}' is not an object")
    return Family(_strings(value.get("metrics"), f"{name}.metrics"),
                  _strings(value.get("params"), f"{name}.params"))


@dataclass(frozen=True)
class Registry:
    """The strategies, workloads and families of one run, or of runs read together."""

    strategies: tuple  # of Strategy, in report order
    workloads: tuple  # of names, in report order
    families: dict  # name: Family, in report order
    workload_params: dict  # workload name: its parameter counters

    @classmethod
    def parse(cls, text) -> Registry:
        """The registry of one context value; ValueError names what is wrong with it."""
        try:
            doc = json.loads(text) if isinstance(text, str) else None
        except json.JSONDecodeError as e:
            raise ValueError(f"not JSON: {e}") from None
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        strategies = tuple(
            Strategy(s["name"], _strings(s.get("params", []), f"{s['name']}.params"),
                     bool(s.get("open_loop")), str(s.get("executor", "")),
                     bool(s.get("in_order")))
            for s in _names(doc.get("strategies"), "strategies"))
        workloads = {w["name"]: _strings(w.get("params", []), f"{w['name']}.params")
                     for w in _names(doc.get("workloads"), "workloads")}
        families = doc.get("families")
        if not isinstance(families, dict):
            raise ValueError("'families' is not an object")
        return cls(strategies, tuple(workloads),
                   {name: _family(name, f) for name, f in families.items()}, workloads)

    @classmethod
    def merge(cls, registries) -> Registry:
        """One registry in the first one's order, then what the others add, in theirs."""
        strategies, workloads, families = {}, {}, {}
        for reg in registries:
            for s in reg.strategies:
                strategies.setdefault(s.name, s)
            for w in reg.workloads:
                workloads.setdefault(w, reg.workload_params[w])
            for name, f in reg.families.items():
                families.setdefault(name, f)
        return cls(tuple(strategies.values()), tuple(workloads), families, workloads)

    def strategy_names(self) -> list:
        return [s.name for s in self.strategies]

    def is_strategy(self, name: str) -> bool:
        return any(s.name == name for s in self.strategies)

    def bounded(self) -> list:
        """The strategies whose parameters include a limit of the items in flight."""
        return [s.name for s in self.strategies if s.bounded]

    def closed_loop_only(self) -> list:
        """The strategies without an open-loop form (so without load benchmarks)."""
        return [s.name for s in self.strategies if not s.open_loop]

    def strategy(self, name: str) -> Strategy | None:
        return next((s for s in self.strategies if s.name == name), None)

    def rank(self, strategy: str) -> tuple:
        """Sort key: the registry's order, then strategies it does not know, alphabetically."""
        names = self.strategy_names()
        return (names.index(strategy), "") if strategy in names else (len(names), strategy)

    def family_of(self, first_segment: str) -> str:
        """The family of a benchmark from its name's first segment: a workload's is fanout."""
        return FANOUT if first_segment in self.workloads else first_segment

    def params(self, family: str) -> tuple:
        """The parameter counters of a family; of every family for one the registry lacks."""
        if family in self.families:
            return self.families[family].params
        return tuple(dict.fromkeys(p for f in self.families.values() for p in f.params))

    def metrics(self, family: str) -> tuple:
        f = self.families.get(family)
        return f.metrics if f else ()
