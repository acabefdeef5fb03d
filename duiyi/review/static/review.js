// duiyi review: keyboard and mouse actions on the pairs of a document page.
// Every action is one POST /beads/{id}/{action} (CSRF token in a header); the server answers
// with the re-rendered pair(s), which replace the row in place. Actions run one at a time, in
// the order they were asked for, and find their row by id when they run.
(() => {
  "use strict";

  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const flash = document.getElementById("flash");
  const undoStack = []; // ids of the pairs this tab changed, newest last
  let current = null;
  let queue = Promise.resolve();

  const rows = () => Array.from(document.querySelectorAll("article.pair"));
  const rowOf = (id) => document.getElementById(`bead-${id}`);

  function say(message, isError = false) {
    flash.textContent = message;
    flash.hidden = false;
    flash.classList.toggle("error", isError);
  }

  function select(row, scroll = true) {
    if (!row) return;
    if (current && current !== row) current.classList.remove("current");
    current = row;
    row.classList.add("current");
    if (scroll) row.scrollIntoView({ block: "nearest" });
    if (!row.contains(document.activeElement)) row.focus({ preventScroll: true });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(current);
    const next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    select(all[next]);
  }

  function enqueue(task) {
    queue = queue.then(task, task);
    return queue;
  }

  // Replace `anchor` by the rows in `html`; drop rows the server says are gone.
  function swap(anchor, html, removed) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const fresh = Array.from(template.content.querySelectorAll("article.pair"));
    for (const row of fresh) {
      const old = rowOf(row.dataset.id);
      if (old && old !== anchor) old.remove();
    }
    for (const id of removed) {
      const old = rowOf(id);
      if (old && old !== anchor) old.remove();
    }
    const wasCurrent = anchor === current;
    anchor.replaceWith(...fresh);
    if (wasCurrent && fresh.length) select(fresh[0], false);
    return fresh;
  }

  function showProgress(value) {
    const match = /^(\d+)\/(\d+)$/.exec(value || "");
    if (!match) return;
    const bar = document.getElementById("progress-bar");
    const count = document.getElementById("progress-count");
    if (bar) bar.value = Number(match[1]);
    if (count) count.textContent = `${match[1]}/${match[2]}`;
  }

  // POST one action for pair `id`; {ok, rows} (rows: what now stands in its place).
  async function send(id, action, fields = {}) {
    const row = rowOf(id);
    if (!row) return { ok: false, rows: [] };
    const body = new URLSearchParams({ version: row.dataset.version, ...fields });
    let response;
    try {
      response = await fetch(`/beads/${encodeURIComponent(id)}/${action}`, {
        method: "POST",
        headers: { "X-CSRF-Token": token },
        body,
      });
    } catch (err) {
      say(`Not saved: the review server does not answer (${err.message}).`, true);
      return { ok: false, rows: [row] };
    }
    const text = await response.text();
    if (response.ok) {
      const removed = (response.headers.get("X-Removed-Beads") || "").split(",").filter(Boolean);
      showProgress(response.headers.get("X-Progress"));
      return { ok: true, rows: swap(row, text, removed) };
    }
    let message = `Not saved (HTTP ${response.status}).`;
    let html = "";
    try {
      const data = JSON.parse(text);
      message = data.error || message;
      html = data.html || "";
    } catch {
      if (text) message = text;
    }
    say(message, true);
    return { ok: false, conflict: response.status === 409, rows: html ? swap(row, html, []) : [row] };
  }

  const DONE = {
    approve: (n) => `Approved pair ${n}.`,
    reject: (n) => `Rejected pair ${n}.`,
    edit: (n) => `Saved the new target of pair ${n}.`,
    merge: (n) => `Merged pair ${n} with the next one.`,
    split: (n) => `Split pair ${n} in two.`,
    undo: (n) => `Undid the last change of pair ${n}.`,
  };

  async function run(id, action, fields = {}) {
    const result = await send(id, action, fields);
    if (result.ok) {
      const first = result.rows[0];
      if (action !== "undo" && first) undoStack.push(first.dataset.id);
      say(DONE[action](first ? first.querySelector(".pos").textContent : id));
      if (action === "undo" || action === "merge" || action === "split") select(first, false);
    }
    return result;
  }

  function act(row, action, fields = {}) {
    if (!row) return queue;
    const id = row.dataset.id;
    return enqueue(() => run(id, action, fields));
  }

  // Undo a row's last change; without a row, this tab's latest change (else the current row's).
  // The target is picked when the undo runs, after the changes asked for before it.
  function undo(row) {
    const fallback = current;
    enqueue(() => {
      let id = row?.dataset.id;
      if (row) {
        const at = undoStack.lastIndexOf(id);
        if (at >= 0) undoStack.splice(at, 1);
      } else {
        while (undoStack.length && !rowOf(undoStack[undoStack.length - 1])) undoStack.pop();
        id = undoStack.length ? undoStack.pop() : fallback?.dataset.id;
      }
      if (!id || !rowOf(id)) {
        say("Nothing to undo on this page.", true);
        return null;
      }
      return run(id, "undo");
    });
  }

  // An inline editor in `cell`: Enter saves (Shift+Enter: a new line), Escape cancels.
  function openEditor(row, cell, fields, saveLabel, onSave) {
    if (row.querySelector(".editor")) return;
    const shown = Array.from(cell.children);
    const box = document.createElement("div");
    box.className = "editor";
    const areas = fields.map(({ label, value, readOnly }) => {
      const area = document.createElement("textarea");
      area.value = value;
      area.readOnly = !!readOnly;
      area.setAttribute("aria-label", label);
      box.append(area);
      return area;
    });
    const hint = document.createElement("div");
    hint.className = "hint";
    const save = document.createElement("button");
    save.type = "button";
    save.textContent = saveLabel;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    box.append(hint, save, " ", cancel);
    for (const el of shown) el.hidden = true;
    cell.append(box);
    const close = () => {
      box.remove();
      for (const el of shown) el.hidden = false;
      select(row, false);
    };
    const submit = () => {
      for (const area of areas) area.disabled = true;
      onSave(areas, close);
    };
    box.addEventListener("keydown", (ev) => {
      ev.stopPropagation();
      if (ev.isComposing) return;
      if (ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        submit();
      } else if (ev.key === "Escape") {
        ev.preventDefault();
        close();
      }
    });
    save.addEventListener("click", submit);
    cancel.addEventListener("click", close);
    return { areas, hint };
  }

  function edit(row, text) {
    if (!row) return;
    const original = row.querySelector(".tgt-text").textContent;
    const editor = openEditor(
      row,
      row.querySelector(".tgt"),
      [{ label: "target text", value: text ?? original }],
      "Save",
      ([area], close) => {
        const value = area.value;
        if (value === original) {
          close();
          return;
        }
        act(row, "edit", { tgt_text: value }).then((result) => {
          // Someone else changed the pair: show theirs, keep ours in a reopened editor.
          if (result && result.conflict && result.rows[0]) edit(result.rows[0], value);
          else if (result && !result.ok) {
            area.disabled = false;
            area.focus();
          }
        });
      },
    );
    if (!editor) return;
    editor.hint.textContent = "Enter saves · Shift+Enter new line · Esc cancels";
    const [area] = editor.areas;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  // Where to split a text by default: after its first sentence end, else in the middle.
  function guessSplit(text, ends) {
    const match = ends.exec(text);
    if (match && match.index + match[0].length < text.trim().length) return match.index + match[0].length;
    return Math.floor(text.length / 2);
  }

  const codePoints = (text) => Array.from(text).length;

  function split(row) {
    if (!row) return;
    const src = row.querySelector(".src-text").textContent;
    const tgt = row.querySelector(".tgt-text").textContent;
    const editor = openEditor(
      row,
      row.querySelector(".tgt"),
      [
        { label: "source: put the cursor where it splits", value: src, readOnly: true },
        { label: "target: put the cursor where it splits", value: tgt, readOnly: true },
      ],
      "Split here",
      ([srcArea, tgtArea]) => {
        // The store counts characters (code points); the browser counts UTF-16 units.
        act(row, "split", {
          src_at: codePoints(srcArea.value.slice(0, srcArea.selectionStart)),
          tgt_at: codePoints(tgtArea.value.slice(0, tgtArea.selectionStart)),
        }).then((result) => {
          if (result && !result.ok && result.rows[0] === row) {
            srcArea.disabled = tgtArea.disabled = false;
          }
        });
      },
    );
    if (!editor) return;
    const [srcArea, tgtArea] = editor.areas;
    const preview = () => {
      const a = srcArea.selectionStart;
      const b = tgtArea.selectionStart;
      editor.hint.textContent =
        "Put the cursor where each side splits; Enter splits, Esc cancels.\n" +
        `① ${srcArea.value.slice(0, a)} | ${tgtArea.value.slice(0, b)}\n` +
        `② ${srcArea.value.slice(a)} | ${tgtArea.value.slice(b)}`;
    };
    const s = guessSplit(src, /[。！？!?；;]+[”’」』)）]*/u);
    const t = guessSplit(tgt, /[.!?;]+["')\]]*\s/u);
    srcArea.setSelectionRange(s, s);
    tgtArea.setSelectionRange(t, t);
    for (const area of editor.areas) {
      for (const type of ["click", "keyup", "select"]) area.addEventListener(type, preview);
    }
    preview();
    srcArea.focus();
  }

  function perform(row, action) {
    if (!row) return;
    if (action === "edit") edit(row);
    else if (action === "split") split(row);
    else if (action === "undo") undo(row);
    else act(row, action);
  }

  const KEYS = { a: "approve", r: "reject", e: "edit", m: "merge", s: "split" };

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if (ev.target.closest && ev.target.closest("input, textarea, select")) return;
    if (!rows().length) return;
    if (ev.key === "j" || ev.key === "k") {
      move(ev.key === "j" ? 1 : -1);
    } else if (ev.key === "u") {
      undo(null);
    } else if (KEYS[ev.key]) {
      if (!current || !current.isConnected) move(0);
      const row = current;
      perform(row, KEYS[ev.key]);
      if (ev.key === "a" || ev.key === "r") move(1); // on to the next pair at once
    } else {
      return;
    }
    ev.preventDefault();
  });

  document.addEventListener("click", (ev) => {
    const row = ev.target.closest && ev.target.closest("article.pair");
    if (!row || !row.closest("#pairs")) return;
    const button = ev.target.closest("button[data-action]");
    if (!button && ev.target.closest("a, textarea, button")) return;
    select(row, false);
    if (button) perform(row, button.dataset.action);
  });
})();
