"""Resubmit a job: pick a stage, edit time / memory, choose the partition (among the cluster's,
from the last sinfo poll), read the lint findings on what will run and the exact command, confirm,
and see the new job id. A job that still runs or waits is said to get a second run."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet, Select, Static

from hpctui.errors import UserError
from hpctui.services.resubmit import ResubmitChoice, ResubmitDraft, Resubmitter
from hpctui.ui.dialogs.confirm import confirm
from hpctui.ui.flows import notify_warnings, when_connected
from hpctui.ui.table_keys import CLOSE_KEYS
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.toolkit.lint import Finding


class ResubmitScreen(Screen[None]):
    DEFAULT_CSS = """
    ResubmitScreen #title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    ResubmitScreen VerticalScroll { height: 1fr; padding: 0 1; }
    ResubmitScreen .section { margin-top: 1; text-style: bold; color: $text-accent; }
    ResubmitScreen #choices { height: auto; }
    ResubmitScreen #stages { width: 44; height: auto; }
    ResubmitScreen #stage-set { height: auto; width: 100%; }
    ResubmitScreen #edits { width: 1fr; height: auto; padding-left: 2; }
    ResubmitScreen #edits Input { width: 1fr; max-width: 30; }
    ResubmitScreen #edits Select { width: 1fr; max-width: 30; }
    ResubmitScreen #warnings { color: $text-warning; text-style: bold; }
    ResubmitScreen #edits Horizontal { height: auto; }
    ResubmitScreen #edits Label { width: 12; padding-top: 1; }
    ResubmitScreen #commands { background: $boost; padding: 0 1; }
    ResubmitScreen #problem { color: $text-error; }
    ResubmitScreen #result { color: $text-success; text-style: bold; }
    ResubmitScreen #submit { margin-top: 1; }
    """
    BINDINGS = [
        *CLOSE_KEYS,
        Binding("ctrl+s", "submit", "Submit…", priority=True, id="submit"),
        Binding("ctrl+t", "apply_suggestion", "Apply suggestion", priority=True, id="apply_suggestion"),
    ]

    def __init__(
        self, session: ClusterSession, job_id: str, suggested: dict[str, str] | None = None, note: str = ""
    ) -> None:
        super().__init__()
        self.session = session
        self.job_id = job_id
        self.efficiency = (suggested or {}, note)  # the post-mortem's advice for this job
        self.resubmitter = Resubmitter(session.link, session.cluster, session.actions)
        self.draft: ResubmitDraft | None = None
        self.suggestion = ""
        self.unavailable = "still fetching the job …"  # why there is no draft to submit

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Resubmit job {self.job_id} on {self.session.cluster.name}"), id="title")
        with VerticalScroll():
            yield Static(Text("fetching the job, its script and its accounting …"), id="info")
            yield Static(id="resume")
            with Horizontal(id="choices"):
                with Vertical(id="stages"):
                    yield Static("Start from", classes="section")
                    yield RadioSet(RadioButton("the script's default (plain resubmit)", value=True), id="stage-set")
                with Vertical(id="edits"):
                    yield Static("Resources", classes="section")
                    for name in ("time", "mem"):
                        with Horizontal():
                            yield Label(name.capitalize() if name != "mem" else "Memory", id=f"label-{name}")
                            yield Input(id=f"edit-{name}", disabled=True)
                    with Horizontal():
                        yield Label("Partition", id="label-partition")
                        yield Select[str]([], id="edit-partition", disabled=True, allow_blank=True)
                    yield Static(id="suggestion")
            yield Static(id="warnings")
            yield Static("Lint", classes="section")
            yield Static(id="lint")
            yield Static("Will run", classes="section")
            yield Static(id="commands")
            yield Static(id="problem")
            yield Button("Submit… (ctrl+s)", id="submit", variant="warning", disabled=True)
            yield Static(id="result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.run_worker(self._load(), name=f"resubmit {self.job_id}", exit_on_error=False)

    async def _load(self) -> None:
        info = self.query_one("#info", Static)
        if (down := await when_connected(self.session)) is not None:
            self.unavailable = down
            info.update(Content.styled(visible(down), "$text-error"))
            return
        try:
            draft = await self.resubmitter.prepare(self.job_id)
        except UserError as exc:
            self.unavailable = str(exc)
            info.update(Content.styled(visible(str(exc)), "$text-error"))
            return
        self.draft = with_efficiency(draft, self.efficiency[0])
        self.suggestion = suggestion_text(draft, self.draft, self.efficiency[1])
        self._show(self.draft)

    def _show(self, draft: ResubmitDraft) -> None:
        self.query_one("#title", Static).update(
            Text(
                f"Resubmit job {draft.job_id} ({draft.name}) on {draft.cluster} · last state {draft.last_state or '?'}"
            )
        )
        script = draft.script_path or f"{draft.saved_copy} (a saved copy of the submitted script)"
        info = [f"WorkDir  {draft.work_dir}", f"Script   {script}", *draft.notes]
        info += [f"Not recovered: {item}" for item in draft.unrecovered]
        self.query_one("#info", Static).update(Text("\n".join(info)))
        self.query_one("#resume", Static).update(Text(draft.resume_note() or ""))
        stage_set = self.query_one("#stage-set", RadioSet)
        if draft.stages is not None:
            for stage in draft.stages.values:
                stage_set.mount(RadioButton(f"stage {stage} ({draft.stages.variable}={stage})", name=str(stage)))
        originals = {"time": draft.options.time, "mem": draft.options.memory}
        for name, value in originals.items():
            field = self.query_one(f"#edit-{name}", Input)
            field.value = value or ""
            field.disabled = False
        partition = self.query_one("#edit-partition", Select)
        choices = partition_choices(self._polled_partitions(), draft.options.partition)
        partition.set_options([(name, name) for name in choices])
        if draft.options.partition:
            partition.value = draft.options.partition
        partition.disabled = False
        self.query_one("#label-mem", Label).update(_MEMORY_LABELS.get(draft.options.memory_kind, "Memory"))
        self.query_one("#suggestion", Static).update(Text(self.suggestion))
        self.query_one("#submit", Button).disabled = False
        stage_set.focus()
        self._preview()

    def choice(self) -> ResubmitChoice:
        """What the form says; values equal to the job's own are no edit."""
        assert self.draft is not None
        pressed = self.query_one("#stage-set", RadioSet).pressed_button
        stage = int(pressed.name) if pressed is not None and pressed.name else None
        options = self.draft.options
        values = {n: self.query_one(f"#edit-{n}", Input).value.strip() for n in ("time", "mem")}
        chosen = self.query_one("#edit-partition", Select).value
        values["partition"] = chosen if isinstance(chosen, str) else ""
        return ResubmitChoice(
            stage=stage,
            time=values["time"] if values["time"] != (options.time or "") else None,
            mem=values["mem"] if values["mem"] != (options.memory or "") else None,
            partition=values["partition"] if values["partition"] != (options.partition or "") else None,
        )

    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Select.Changed)
    def _preview(self) -> None:
        if self.draft is None:
            return
        problem = self.query_one("#problem", Static)
        choice = self.choice()
        self.query_one("#warnings", Static).update(Text("\n".join(self.warnings(choice))))
        try:
            commands = self.resubmitter.commands(self.draft, choice)
            findings = self.resubmitter.lint(self.draft, choice)
        except UserError as exc:
            problem.update(Text(str(exc)))
            self.query_one("#commands", Static).update("")
            self.query_one("#submit", Button).disabled = True
            return
        problem.update("")
        self.query_one("#lint", Static).update(_lint_text(findings))
        self.query_one("#submit", Button).disabled = False
        self.query_one("#commands", Static).update(Text("\n".join(commands)))

    def warnings(self, choice: ResubmitChoice) -> list[str]:
        """What the user must know before submitting: a second run of a live job, a partition
        the cluster's last sinfo poll did not show."""
        assert self.draft is not None
        found = [self.draft.second_run] if self.draft.second_run else []
        polled = self._polled_partitions()
        partition = choice.partition or self.draft.options.partition
        if partition and polled and partition not in polled:
            found.append(
                f"partition {partition!r} is not among {self.session.cluster.name}'s partitions "
                f"(last sinfo: {', '.join(polled)}): sbatch will likely refuse it"
            )
        return [f"⚠ {visible(line)}" for line in found]

    def _polled_partitions(self) -> list[str]:
        """The cluster's partitions as its last sinfo poll showed them ([] before any poll)."""
        return sorted({node.partition for node in self.session.poller.latest.nodes})

    def action_apply_suggestion(self) -> None:
        suggested = self.draft.suggested if self.draft is not None else ResubmitChoice()
        if not (suggested.time or suggested.mem):
            self.notify("no suggestion for this job", timeout=3, markup=False)
            return
        if suggested.time:
            self.query_one("#edit-time", Input).value = suggested.time
        if suggested.mem:
            self.query_one("#edit-mem", Input).value = suggested.mem

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self.draft is None:
            self.notify(visible(f"nothing to submit: {self.unavailable}"), severity="warning", timeout=6, markup=False)
        elif not self.query_one("#submit", Button).disabled:
            self.run_worker(
                self._submit(self.draft, self.choice()), name="resubmit", exclusive=True, exit_on_error=False
            )

    async def _submit(self, draft: ResubmitDraft, choice: ResubmitChoice) -> None:
        commands = self.resubmitter.commands(draft, choice)
        notes = "The first command writes the script shown by Slurm to that file." if len(commands) > 1 else ""
        notes = "\n".join([*self.warnings(choice), notes]).strip()
        if draft.unrecovered:
            notes = "\n".join([notes, "Not recovered:", *(f"- {item}" for item in draft.unrecovered)]).strip()
        if not await confirm(self.app, f"Resubmit job {draft.job_id} on {draft.cluster}?", commands, notes):
            return
        submitted = await self.resubmitter.submit(draft, choice)
        result = self.query_one("#result", Static)
        if submitted.new_job_id is None:
            result.update(Content.styled(visible(f"Not submitted: {submitted.message}", newlines=True), "$text-error"))
            self.app.notify(submitted.message, title="resubmit refused", severity="error", timeout=15, markup=False)
        else:
            result.update(Text(f"Submitted job {submitted.new_job_id} (resubmission of {draft.job_id})"))
            self.app.notify(
                f"job {draft.job_id} -> {submitted.new_job_id}", title=f"resubmitted on {draft.cluster}", markup=False
            )
        notify_warnings(self.app, submitted.warnings)


_MEMORY_LABELS = {"mem": "Memory/node", "mem-per-cpu": "Memory/CPU", "mem-per-gpu": "Memory/GPU"}


def _suggestion_text(draft: ResubmitDraft) -> str:
    suggested = draft.suggested
    if suggested.time:
        return f"{draft.last_state}: suggest --time={suggested.time} (x1.5); ctrl+t applies it"
    if suggested.mem:
        return f"{draft.last_state}: suggest --mem={suggested.mem} (x2); ctrl+t applies it"
    return ""


def with_efficiency(draft: ResubmitDraft, suggested: dict[str, str]) -> ResubmitDraft:
    """The efficiency's values when the last state suggests none (a memory value only where the
    job asked per node: it is a --mem figure)."""
    if draft.suggested.time or draft.suggested.mem or not suggested:
        return draft
    mem = suggested.get("mem") if draft.options.memory_kind == "mem" else None
    return replace(draft, suggested=ResubmitChoice(time=suggested.get("time"), mem=mem))


def suggestion_text(own: ResubmitDraft, chosen: ResubmitDraft, note: str) -> str:
    """The last state's suggestion, then the efficiency's advice (which ctrl+t applies when
    the last state suggested nothing)."""
    advice = f"efficiency: {note}" + ("; ctrl+t applies it" if chosen is not own else "") if note else ""
    return "\n".join(line for line in (_suggestion_text(own), advice) if line)


def _lint_text(findings: list[Finding]) -> Content:
    if not findings:
        return Content.styled("no findings", "$text-success")
    parts: list[tuple[str, str] | str] = []
    for finding in findings:
        where = f"line {finding.line}" if finding.line else "sbatch command line"
        parts.append((f"{where}: {finding.code} {finding.severity} ", "bold $text-warning"))
        parts.append(f"{finding.message}\n")
        if finding.hint:
            parts.append((f"    {finding.hint}\n", "$text-muted"))
    return Content.assemble(*parts)


def partition_choices(polled: list[str], current: str | None) -> list[str]:
    """The partitions to choose from: the polled ones, and the job's own even when not polled."""
    return sorted({*polled, *([current] if current else [])})
