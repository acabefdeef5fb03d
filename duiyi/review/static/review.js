// duiyi review: keyboard and mouse actions on a page of pairs (the queue or a document).
// Every action is one POST /beads/{id}/{action} (CSRF token in a header); the server answers
// with the re-rendered pair(s), which replace the row in place. Actions run one at a time, in
// the order they were asked for, and find their row by id when they run. Bulk actions
// (POST /pairs/bulk) change every pair the filters match and reload the page; this tab's undo
// stack and last message live in sessionStorage so that they survive the reload.
(() => {
  "use strict";

  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const flash = document.getElementById("flash");
  const STACK_KEY = "duiyi-review-undo";
  const FLASH_KEY = "duiyi-review-flash";
  // j past the last pair goes on to the next page, k before the first back to the page this
  // tab came from (keyset pages only know the next one): {page URL: the page before it}, and
  // the pair ("first" or "last") to select once the page it goes to has loaded.
  const PREVIOUS_KEY = "duiyi-review-previous";
  const SELECT_KEY = "duiyi-review-select";
  // This tab's changes, newest last: a pair's id and the version our change left it at
  // ("123@4"), or a bulk change ("change:17"). u undoes the newest, on this page or not; the
  // version makes the store refuse it (409) if someone changed the pair since.
  const undoStack = JSON.parse(sessionStorage.getItem(STACK_KEY) || "[]");
  const idOf = (entry) => entry.split("@")[0];
  let current = null;
  let queue = Promise.resolve();
  let pending = 0; // actions asked for and not yet answered: leaving the page would drop them
  let reloading = false; // our own reload, once a change to many pairs is saved
  let failures = 0; // error messages shown: a page turn waiting for saves is called off
  // Why this store may not be changed ("" where it may): the buttons are disabled, and the
  // keys that change pairs say so instead of asking the server (which would refuse them).
  const readOnly = document.body.dataset.readOnly || "";

  function remember(entry) {
    undoStack.push(String(entry));
    sessionStorage.setItem(STACK_KEY, JSON.stringify(undoStack.slice(-200)));
  }

  function forget() {
    sessionStorage.setItem(STACK_KEY, JSON.stringify(undoStack.slice(-200)));
  }

  const rows = () => Array.from(document.querySelectorAll("article.pair"));
  const rowOf = (id) => document.getElementById(`bead-${id}`);

  function say(message, isError = false) {
    if (isError) failures += 1;
    flash.textContent = message;
    flash.hidden = false;
    flash.classList.toggle("error", isError);
  }

  function select(row, scroll = true) {
    if (!row) return;
    if (current && current !== row) current.classList.remove("current");
    current = row;
    row.classList.add("current");
    // A pair taller than the window (a long segment) shows its start: its id and buttons.
    if (scroll) row.scrollIntoView({ block: row.offsetHeight > window.innerHeight ? "start" : "nearest" });
    if (!row.contains(document.activeElement)) row.focus({ preventScroll: true });
  }

  // `turn`: j and k, which go on to the next or previous page past the ends of this one.
  function move(step, turn = false) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(current);
    if (turn && at >= 0 && (at + step < 0 || at + step >= all.length)) {
      turnPage(step);
      return;
    }
    const next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    select(all[next]);
  }

  const here = () => window.location.href.split("#")[0];
  const previousPages = () => JSON.parse(sessionStorage.getItem(PREVIOUS_KEY) || "{}");

  function rememberPrevious(url) {
    sessionStorage.setItem(PREVIOUS_KEY, JSON.stringify({ ...previousPages(), [url]: here() }));
  }

  function turnPage(step) {
    const link = document.querySelector('.pager a[rel="next"]');
    const url = step > 0 ? link && link.href : previousPages()[here()];
    if (!url) {
      if (step > 0) say("This is the last page.");
      else if (new URLSearchParams(window.location.search).get("cursor")) {
        say("Pages go forward only: « first page starts again from the top.");
      }
      return;
    }
    // Once the changes asked for are saved; one that fails keeps the page and its message.
    const failed = failures;
    queue.then(() => {
      if (failures !== failed) return;
      if (step > 0) rememberPrevious(url);
      sessionStorage.setItem(SELECT_KEY, step > 0 ? "first" : "last");
      window.location.href = url;
    });
  }

  function enqueue(task) {
    pending += 1;
    queue = queue.then(task, task);
    const done = () => {
      pending -= 1;
    };
    queue.then(done, done);
    return queue;
  }

  // Keys pressed faster than the server answers wait their turn in the queue; a page left
  // meanwhile (a link, a reload) would never send them, nor a target typed and not saved:
  // the browser asks first.
  const typed = () =>
    Array.from(document.querySelectorAll(".editor textarea")).some((area) => area.value !== area.dataset.original);
  window.addEventListener("beforeunload", (ev) => {
    if ((pending || typed()) && !reloading) ev.preventDefault();
  });

  function parseRows(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return Array.from(template.content.querySelectorAll("article.pair"));
  }

  // Replace `anchor` by the rows in `html`; drop rows the server says are gone.
  function swap(anchor, html, removed) {
    const fresh = parseRows(html);
    // A row that goes takes its context (key c) with it: left alone, it would show pairs
    // that are no more, and the row's c, once an undo brings it back, would only hide it.
    for (const id of [...fresh.map((row) => row.dataset.id), ...removed]) {
      const old = rowOf(id);
      if (old && old !== anchor) {
        closeContext(old);
        old.remove();
      }
    }
    const wasCurrent = anchor === current;
    anchor.replaceWith(...fresh);
    if (wasCurrent && fresh.length) select(fresh[0], false);
    return fresh;
  }

  // The page's progress bar shows its document's progress, or the corpus's on the queue.
  function showProgress(response) {
    const count = document.getElementById("progress-count");
    if (!count) return;
    const header = count.dataset.scope === "corpus" ? "X-Corpus-Progress" : "X-Progress";
    const match = /^(\d+)\/(\d+)$/.exec(response.headers.get(header) || "");
    if (!match) return;
    const bar = document.getElementById("progress-bar");
    if (bar) {
      bar.max = Math.max(Number(match[2]), 1);
      bar.value = Number(match[1]);
    }
    count.textContent = `${thousands(Number(match[1]))}/${thousands(Number(match[2]))}`;
  }

  const thousands = (n) => n.toLocaleString("en-US");

  // "Pairs 1–12 of 12": after a merge or split the page holds one pair less or more.
  function recount(delta) {
    const summary = document.getElementById("summary");
    if (!summary || !delta) return;
    const at = Number(summary.dataset.at);
    const shown = Number(summary.dataset.shown) + delta;
    const total = Number(summary.dataset.total) + delta;
    summary.dataset.shown = shown;
    summary.dataset.total = total;
    const to = document.getElementById("count-to");
    const all = document.getElementById("count-total");
    if (to) to.textContent = thousands(at + shown);
    if (all && summary.dataset.exact === "yes") all.textContent = thousands(total);
  }

  // POST one action for pair `id`; {ok, rows} (rows: what now stands in its place). Only an
  // undo may be for a pair this page does not show (its `fields` then name the version).
  async function send(id, action, fields = {}) {
    const row = rowOf(id);
    if (!row && (action !== "undo" || fields.version === undefined)) return { ok: false, rows: [] };
    const version = row ? row.dataset.version : fields.version;
    const body = new URLSearchParams(version === undefined ? fields : { version, ...fields });
    // The search the page shows, so that the re-rendered pair keeps its matches marked.
    const q = new URLSearchParams(window.location.search).get("q");
    if (q) body.set("q", q);
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
      showProgress(response);
      const change = response.headers.get("X-Change");
      if (!row) {
        // The pair is on another page; a pair its undo removed (a split's second half) may be here.
        for (const gone of removed.map(rowOf).filter(Boolean)) {
          closeContext(gone);
          gone.remove();
        }
        return { ok: true, rows: [], elsewhere: parseRows(text), removed, change };
      }
      const before = rows().length;
      closeContext(row);
      const fresh = swap(row, text, removed);
      recount(rows().length - before);
      // The pair already was as asked (approving an approved pair): the store changed nothing.
      const unchanged = action !== "undo" && fresh.length === 1 && fresh[0].dataset.version === version;
      return { ok: true, rows: fresh, removed, unchanged, change };
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
    const shown = !row ? [] : html ? swap(row, html, []) : [row];
    return { ok: false, conflict: response.status === 409, rows: shown };
  }

  // What each action says it did, naming pairs by their ids (stable across pages).
  const DONE = {
    approve: (r) => `Approved pair #${r.id}.`,
    reject: (r) => `Rejected pair #${r.id}.`,
    edit: (r) => `Saved the new target of pair #${r.id}.`,
    merge: (r) =>
      `Merged pair #${r.id} with #${r.removed[0]}, the next pair in its document (now one pair, #${r.id}).`,
    split: (r) => `Split pair #${r.id} in two: #${r.ids.join(" and #")}, one after the other in the document.`,
    undo: (r) => `Undid the last change of pair #${r.id}${r.elsewhere ? " (not on this page)" : ""}.`,
  };

  const UNCHANGED = {
    approve: (id) => `Nothing to change: pair #${id} was approved already.`,
    reject: (id) => `Nothing to change: pair #${id} was rejected already.`,
    edit: (id) => `Nothing to change: pair #${id} already has this target.`,
  };

  async function run(id, action, fields = {}) {
    const result = await send(id, action, fields);
    if (result.ok && result.change) {
      // The pair's last change was a bulk change: undone whole, so the page reloads.
      const [change, size] = result.change.split("/");
      reloadSaying(`Undid change ${change}: ${thousands(Number(size))} pairs are back as they were.`);
      return result;
    }
    if (result.ok) {
      const first = result.rows[0];
      // Nothing changed is nothing to undo: u must not revert the pair's earlier change.
      if (action !== "undo" && first && !result.unchanged) remember(`${first.dataset.id}@${first.dataset.version}`);
      if (action === "undo") restamp([...result.rows, ...(result.elsewhere || [])]);
      const ids = result.rows.map((r) => r.dataset.id);
      const message = result.unchanged
        ? UNCHANGED[action](id)
        : DONE[action]({ id: first ? first.dataset.id : id, ids, removed: result.removed, elsewhere: !!result.elsewhere });
      // The history page lists the pair's changes: reload it to show the new one.
      if (document.getElementById("pairs")?.dataset.history === "yes" && !result.unchanged) {
        reloadSaying(message);
        return result;
      }
      say(message);
      if (action === "undo" || action === "merge" || action === "split") select(first, false);
    }
    return result;
  }

  // After an undo the pairs it brought back have new versions: this tab's earlier changes to
  // them are what they now show, so the entries of those changes take the new versions.
  function restamp(rows) {
    for (const row of rows) {
      const at = undoStack.findLastIndex((entry) => idOf(entry) === row.dataset.id);
      if (at >= 0) undoStack[at] = `${row.dataset.id}@${row.dataset.version}`;
    }
    forget();
  }

  function act(row, action, fields = {}) {
    if (!row) return queue;
    const id = row.dataset.id;
    return enqueue(() => run(id, action, fields));
  }

  // Undo a row's last change (its Undo button); without a row (key u), this tab's latest
  // change, on this page or not (a bulk change as a whole). The target is picked when the
  // undo runs, after the changes asked for before it.
  function undo(row) {
    enqueue(() => {
      if (row) {
        const at = undoStack.findLastIndex((entry) => idOf(entry) === row.dataset.id);
        if (at >= 0) undoStack.splice(at, 1);
        forget();
        return run(row.dataset.id, "undo");
      }
      const entry = undoStack.pop();
      forget();
      if (!entry) {
        say("Nothing to undo: this tab has not changed anything yet.", true);
        return null;
      }
      if (entry.startsWith("change:")) return undoChange(entry.slice("change:".length));
      const [id, version] = entry.split("@");
      return run(id, "undo", version ? { version } : {});
    });
  }

  // POST a form to a JSON endpoint; the parsed answer, or null after saying what went wrong.
  async function postJson(url, body) {
    let response;
    try {
      response = await fetch(url, { method: "POST", headers: { "X-CSRF-Token": token }, body });
    } catch (err) {
      say(`Not saved: the review server does not answer (${err.message}).`, true);
      return null;
    }
    const text = await response.text();
    let data = {};
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: text || `HTTP ${response.status}` };
    }
    if (!response.ok) {
      say(data.error || `Not saved (HTTP ${response.status}).`, true);
      return null;
    }
    return data;
  }

  // After a change to many pairs: reload the page (same filters), then say what was done.
  function reloadSaying(message) {
    sessionStorage.setItem(FLASH_KEY, message);
    reloading = true;
    window.location.reload();
  }

  async function undoChange(change) {
    const data = await postJson(`/changes/${encodeURIComponent(change)}/undo`, new URLSearchParams());
    if (!data) {
      remember(`change:${change}`); // still there to undo once the conflict is resolved
      return null;
    }
    reloadSaying(data.message);
    return data;
  }

  // Bulk approve/reject of everything the filters match: a confirmation with the count first.
  async function bulk(action) {
    const form = document.getElementById("bulk");
    if (!form) return;
    // Count now: actions since the page loaded may have changed what the filters match (and
    // past 10,000 the page does not count exactly).
    try {
      const response = await fetch(form.dataset.countUrl);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      form.dataset.count = String((await response.json()).count);
    } catch (err) {
      say(`Cannot count the pairs these filters match (${err.message}).`, true);
      return;
    }
    const count = Number(form.dataset.count);
    const box = document.getElementById("bulk-confirm");
    const verb = action === "approve" ? "Approve" : "Reject";
    document.getElementById("bulk-question").textContent =
      `${verb} all ${thousands(count)} pair${count === 1 ? "" : "s"} matching: ${form.dataset.describe}? ` +
      "It is recorded as one change, and u undoes it whole.";
    const yes = document.getElementById("bulk-yes");
    yes.textContent = `${verb} ${thousands(count)} pair${count === 1 ? "" : "s"}`;
    yes.dataset.bulk = action;
    box.hidden = false;
    yes.focus();
  }

  async function confirmBulk(action) {
    const form = document.getElementById("bulk");
    const body = new URLSearchParams(new FormData(form));
    body.set("action", action);
    body.set("expected", form.dataset.count);
    document.getElementById("bulk-confirm").hidden = true;
    const data = await postJson("/pairs/bulk", body);
    if (!data) return;
    if (data.change) remember(`change:${data.change}`);
    reloadSaying(data.message);
  }

  // Key c: the pairs before and after this one in its document, shown around it (read-only).
  function closeContext(row) {
    const id = row.dataset.id;
    const shown = document.querySelectorAll(`.context[data-for="${id}"]`);
    for (const el of shown) el.remove();
    row.classList.remove("with-context");
    return shown.length > 0;
  }

  function toggleContext(row) {
    if (!row || closeContext(row)) return;
    const id = row.dataset.id;
    fetch(`/beads/${encodeURIComponent(id)}/context`)
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then((html) => {
        const live = rowOf(id);
        if (!live || live.classList.contains("with-context")) return;
        const template = document.createElement("template");
        template.innerHTML = html;
        const before = template.content.querySelector(".context.before");
        const after = template.content.querySelector(".context.after");
        live.before(before);
        live.after(after);
        live.classList.add("with-context");
      })
      .catch((err) => say(`Cannot show the context of pair #${id} (${err.message}).`, true));
  }

  // An inline editor in `cell`: Enter saves (Shift+Enter: a new line), Escape cancels.
  function openEditor(row, cell, fields, saveLabel, onSave) {
    if (row.querySelector(".editor")) return;
    const shown = Array.from(cell.children);
    const box = document.createElement("div");
    box.className = "editor";
    const areas = fields.map(({ label, value, readOnly, lang }) => {
      const area = document.createElement("textarea");
      area.lang = lang; // the text's language: spell-check, fonts, screen readers
      area.value = value;
      area.dataset.original = value;
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
    const target = row.querySelector(".tgt-text");
    const original = target.textContent;
    const editor = openEditor(
      row,
      row.querySelector(".tgt"),
      [{ label: "target text", value: text ?? original, lang: target.lang }],
      "Save",
      ([area], close) => {
        const value = area.value;
        if (value === original) {
          close();
          return;
        }
        act(row, "edit", { tgt_text: value }).then((result) => {
          // Someone else changed the pair: show theirs, keep ours in a reopened editor. (A
          // pair merged away stays as it was, editor and all: ours stays in it, editable.)
          if (result && result.conflict && result.rows[0] && result.rows[0] !== row) edit(result.rows[0], value);
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
    const [srcText, tgtText] = [row.querySelector(".src-text"), row.querySelector(".tgt-text")];
    const [src, tgt] = [srcText.textContent, tgtText.textContent];
    const editor = openEditor(
      row,
      row.querySelector(".tgt"),
      [
        { label: "source: put the cursor where it splits", value: src, readOnly: true, lang: srcText.lang },
        { label: "target: put the cursor where it splits", value: tgt, readOnly: true, lang: tgtText.lang },
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
    if (readOnly && action !== "context") {
      say(`Not saved: read-only: ${readOnly}.`, true);
      return;
    }
    if (action === "edit") edit(row);
    else if (action === "split") split(row);
    else if (action === "undo") undo(row);
    else if (action === "context") toggleContext(row);
    else if (action === "merge") {
      // The pair it takes in, as this page shows it: another tab's change to it is a conflict.
      const button = row.querySelector('button[data-action="merge"]');
      if (!button || button.disabled) {
        say(`Pair #${row.dataset.id} is the last of its document: nothing after it to merge with.`, true);
      } else act(row, action, { next: button.dataset.next, next_version: button.dataset.nextVersion });
    } else act(row, action);
  }

  const KEYS = { a: "approve", r: "reject", e: "edit", m: "merge", s: "split", c: "context" };

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if (ev.target.closest && ev.target.closest("input, textarea, select")) return;
    if (!rows().length) return;
    if (ev.key === "j" || ev.key === "k") {
      move(ev.key === "j" ? 1 : -1, true);
    } else if (ev.key === "u") {
      if (readOnly) say(`Not saved: read-only: ${readOnly}.`, true);
      else undo(null);
    } else if (KEYS[ev.key]) {
      if (!current || !current.isConnected) move(0);
      const row = current;
      perform(row, KEYS[ev.key]);
      if ((ev.key === "a" || ev.key === "r") && !readOnly) move(1); // on to the next pair at once
    } else {
      return;
    }
    ev.preventDefault();
  });

  document.addEventListener("click", (ev) => {
    const nextPage = ev.target.closest && ev.target.closest('.pager a[rel="next"]');
    if (nextPage) rememberPrevious(nextPage.href);
    const bulkButton = ev.target.closest && ev.target.closest("button[data-bulk]");
    if (bulkButton) {
      if (bulkButton.id === "bulk-yes") confirmBulk(bulkButton.dataset.bulk);
      else bulk(bulkButton.dataset.bulk);
      return;
    }
    if (ev.target.id === "bulk-no") {
      document.getElementById("bulk-confirm").hidden = true;
      return;
    }
    const row = ev.target.closest && ev.target.closest("article.pair");
    if (!row || !row.closest("#pairs")) return;
    const button = ev.target.closest("button[data-action]");
    if (!button && ev.target.closest("a, textarea, button")) return;
    select(row, false);
    if (button) perform(row, button.dataset.action);
  });

  const selecting = sessionStorage.getItem(SELECT_KEY);
  if (selecting) {
    sessionStorage.removeItem(SELECT_KEY);
    const all = rows();
    select(selecting === "last" ? all[all.length - 1] : all[0]);
  }

  const carried = sessionStorage.getItem(FLASH_KEY);
  if (carried) {
    sessionStorage.removeItem(FLASH_KEY);
    say(carried);
  }
})();
