"""The parsers against real Slurm output from other sites and releases (tests/fixtures/corpus).

Each corpus file holds strings copied from a named source (sources.yaml) with their meaning
written by hand from Slurm's documentation; each test parses the strings and compares.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hpctui.slurm.errors import SlurmError, is_error_line
from hpctui.slurm.formats import DELIMITER
from hpctui.slurm.hostlist import expand_hostlist
from hpctui.slurm.models import ENDED_STATES, Gres
from hpctui.slurm.parse import (
    parse_duration,
    parse_gres,
    parse_job_id,
    parse_job_state,
    parse_node_state,
    parse_req_mem,
    parse_sinfo,
    parse_size,
    parse_tres,
    reason_kind,
    request_gpus,
    state_group,
    summarise_partitions,
    tres_gpus,
)

CORPUS = Path(__file__).parent.parent / "fixtures" / "corpus"
SOURCES = yaml.safe_load((CORPUS / "sources.yaml").read_text())
FILES = sorted(p for p in CORPUS.glob("*.yaml") if p.name != "sources.yaml")
UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def _load(path: Path) -> tuple[str, list[dict]]:
    data = yaml.safe_load(path.read_text())
    return data["kind"], data["strings"]


ENTRIES = [(kind, entry) for kind, entries in map(_load, FILES) for entry in entries]


def entries_of(kind: str) -> list:
    return [pytest.param(entry, id=repr(entry["text"])[:60]) for k, entry in ENTRIES if k == kind]


def none(value):
    """The corpus writes "none" for Slurm's "nothing"."""
    return None if value == "none" else value


def size(text: str) -> int | None:
    """``"4000 MiB"`` in bytes: the corpus writes sizes in binary units, by hand."""
    if text == "none":
        return None
    amount, unit = str(text).split(" ")
    return round(float(amount) * UNITS[unit])


def amount(value) -> int:
    return size(value) if isinstance(value, str) else value


# ---- the corpus itself --------------------------------------------------------------------


def test_every_entry_names_a_known_source_and_has_a_meaning():
    for _kind, entry in ENTRIES:
        assert entry["source"] in SOURCES, entry
        assert "means" in entry and "text" in entry, entry


def test_the_corpus_is_big_and_comes_from_many_places_and_releases():
    real = {(kind, e["text"]) for kind, e in ENTRIES if SOURCES[e["source"]]["origin"] != "composed"}
    assert len(real) >= 200
    used = {e["source"] for _kind, e in ENTRIES}
    places = {SOURCES[s].get("repo") or SOURCES[s]["url"] for s in used if SOURCES[s]["origin"] != "composed"}
    assert len(places) >= 6
    releases = {SOURCES[s]["slurm"][:5] for s in used if "slurm" in SOURCES[s]}
    assert {"20.11", "21.08", "22.05", "23.11", "24.05", "24.11", "25.05", "25.11"} <= releases


def test_the_corpus_covers_every_kind_issue_15_lists():
    kinds = {kind for kind, _entry in ENTRIES}
    assert kinds == {"gres", "tres", "request", "size", "duration", "node_state", "job_id", "job_state",
                     "reason", "hostlist", "error"}  # fmt: skip
    texts = {e["text"] for _kind, e in ENTRIES}
    for needle in ("no_consume", "(S:", "(IDX:", "shard:", "mps:", "(null)", "3g.20gb", "gres/gpu=", "gres/gpu:",
                   "Mc", "Gn", ".50G", "UNLIMITED", "Partition_Limit", "%2]", "+1", ".batch", ".extern",
                   "CANCELLED by", "idle~", "idle#", "down*", "alloc$", "mix-", "idle!", "idle%", "idle@", "mix^",
                   "Rate limit exceeded"):  # fmt: skip
        assert any(needle in text for text in texts), needle


# ---- each kind against its parser ---------------------------------------------------------


def describe(g: Gres) -> str:
    """A parsed GRES entry in the corpus notation."""
    words = [f"{g.kind}:{g.type}" if g.type else g.kind, str(g.count)]
    if g.no_consume:
        words.append("no_consume")
    if g.sockets is not None:
        words.append("S=" + ";".join(map(str, g.sockets)))
    if g.indexes is not None:
        words.append("IDX=" + ";".join(map(str, g.indexes)))
    if g.shares is not None:
        words.append("shares=" + ";".join(f"{'-' if used is None else used}/{total}" for used, total in g.shares))
    return " ".join(words)


@pytest.mark.parametrize("entry", entries_of("gres"))
def test_gres(entry):
    assert [describe(g) for g in parse_gres(entry["text"])] == entry["means"]


@pytest.mark.parametrize("entry", entries_of("gres"))
def test_gres_on_a_node_row_parses_without_warnings(entry):
    row = DELIMITER.join(["n1", "n1", "p", "mix", entry["text"], entry["text"], "1/1/0/2", "1000"]) + DELIMITER
    warnings: list[str] = []
    (node,) = parse_sinfo(row + "\n", warnings)
    assert warnings == [] and node.gpus_total == sum(g.count for g in parse_gres(entry["text"]) if g.kind == "gpu")
    summarise_partitions([node])


@pytest.mark.parametrize("entry", entries_of("tres"))
def test_tres(entry):
    means = entry["means"]
    assert parse_tres(entry["text"]) == {key: amount(value) for key, value in means["amounts"].items()}
    assert tres_gpus(entry["text"]) == none(means["gpus"])


@pytest.mark.parametrize("entry", entries_of("request"))
def test_gpu_requests(entry):
    assert request_gpus(entry["text"]) == none(entry["means"]["gpus"])


@pytest.mark.parametrize("entry", entries_of("size"))
def test_sizes(entry):
    means = entry["means"]
    if entry["field"] == "ReqMem":
        assert parse_req_mem(entry["text"]) == (size(means["size"]), none(means["per"]))
    else:
        assert parse_size(entry["text"]) == size(means["size"]) and means["per"] == "none"


@pytest.mark.parametrize("entry", entries_of("duration"))
def test_durations(entry):
    means = entry["means"]
    seconds = (
        None
        if means == "none"
        else ((means.get("d", 0) * 24 + means.get("h", 0)) * 60 + means.get("m", 0)) * 60 + means.get("s", 0)
    )
    assert parse_duration(entry["text"]) == seconds


@pytest.mark.parametrize("entry", entries_of("node_state"))
def test_node_states(entry):
    means = entry["means"]
    state = parse_node_state(entry["text"])
    assert (state.base, sorted(state.flags)) == (means["base"], sorted(means["flags"]))
    assert state_group(entry["text"]) == means["group"]


@pytest.mark.parametrize("entry", entries_of("job_id"))
def test_job_ids(entry):
    means = entry["means"]
    job_id = parse_job_id(entry["text"])
    assert (job_id.job, job_id.array_task, job_id.het_offset, job_id.step) == (
        means["job"], means.get("task"), means.get("het"), means.get("step"))  # fmt: skip


@pytest.mark.parametrize("entry", entries_of("job_state"))
def test_job_states(entry):
    means = entry["means"]
    state = parse_job_state(entry["text"])
    assert (state.state, state.by_uid) == (means["state"], means.get("by"))
    assert (state.state in ENDED_STATES) == means["ended"]


@pytest.mark.parametrize("entry", entries_of("reason"))
def test_reasons(entry):
    assert reason_kind(entry["text"]) == entry["means"]


@pytest.mark.parametrize("entry", entries_of("hostlist"))
def test_hostlists(entry):
    assert expand_hostlist(entry["text"]) == entry["means"]


@pytest.mark.parametrize("entry", entries_of("error"))
def test_error_lines(entry):
    means = entry["means"]
    assert is_error_line(entry["text"]) == means["error"]
    assert SlurmError(entry["text"]).busy == means["busy"]
