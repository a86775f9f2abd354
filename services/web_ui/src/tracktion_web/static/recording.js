// The recording page's browser side: the tempo/key timeline chart (Plotly, served by this server) and the graph
// panels. Both read the JSON API; the page itself is already complete without them.
"use strict";

(function () {
  const article = document.getElementById("recording");
  if (!article) return;
  const id = article.dataset.recording;

  const CAMELOT = [];
  for (let n = 1; n <= 12; n++) for (const l of ["A", "B"]) CAMELOT.push(n + l);

  function pad(n) { return String(n).padStart(2, "0"); }
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
  }
  // Plotly's date axis formats h:mm:ss; seconds become a time on 1970-01-01 (a set is shorter than a day).
  function at(seconds) {
    const s = Math.max(0, Math.floor(seconds)), ms = Math.round((seconds - Math.floor(seconds)) * 1000);
    return `1970-01-01 ${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}.${String(ms).padStart(3, "0")}`;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  async function drawTimeline() {
    const box = document.getElementById("timeline");
    if (!box) return;
    try {
      const data = await getJson(`/api/recordings/${id}/timeline`);
      const tempoX = [], tempoY = [], tempoNote = [], keyX = [], keyY = [], keyText = [];
      const confidence = (seg) => (seg.bpm_confidence == null ? "" : ` (confidence ${seg.bpm_confidence.toFixed(2)})`);
      for (const seg of data.segments) {
        tempoX.push(at(seg.start_seconds));
        tempoY.push(seg.bpm);
        tempoNote.push(confidence(seg));
        if (seg.camelot) {
          keyX.push(at((seg.start_seconds + seg.end_seconds) / 2));
          keyY.push(seg.camelot);
          keyText.push(`${seg.camelot} ${seg.key || ""} ${seg.scale || ""}`.trim());
        }
      }
      const last = data.segments[data.segments.length - 1];
      if (last) { tempoX.push(at(last.end_seconds)); tempoY.push(last.bpm); tempoNote.push(confidence(last)); }  // the last window's end
      const boundaries = data.boundaries || [];
      const traces = [
        { x: tempoX, y: tempoY, customdata: tempoNote, name: "tempo (BPM)", mode: "lines", line: { width: 2.5, color: "#2563eb", shape: "hv" }, hovertemplate: "%{y:.1f} BPM%{customdata} at %{x|%H:%M:%S}<extra></extra>" },
        { x: keyX, y: keyY, text: keyText, name: "key (Camelot)", mode: "markers", yaxis: "y2",
          marker: { size: 9, color: "#db2777" }, hovertemplate: "%{text} at %{x|%H:%M:%S}<extra></extra>" },
        { x: boundaries.map((b) => at(b.start_seconds)), y: boundaries.map(() => 1), yaxis: "y3",
          text: boundaries.map((b) => `${clock(b.start_seconds)}  ${b.label}`), name: "track starts", mode: "markers",
          marker: { symbol: "triangle-down", size: 10, color: "#111827" }, hovertemplate: "%{text}<extra></extra>" },
      ];
      const shapes = boundaries.map((b) => ({
        type: "line", xref: "x", yref: "paper", x0: at(b.start_seconds), x1: at(b.start_seconds), y0: 0, y1: 1,
        line: { color: "#6b7280", width: 1, dash: "dash" },
      }));
      const layout = {
        margin: { l: 60, r: 60, t: 20, b: 40 },
        xaxis: { type: "date", tickformat: "%H:%M:%S", title: { text: "time in the recording" } },
        yaxis: { title: { text: "BPM" }, domain: [0, 0.62] },
        yaxis2: { title: { text: "Camelot" }, type: "category", categoryorder: "array", categoryarray: CAMELOT,
                  domain: [0.68, 0.94] },
        yaxis3: { domain: [0.95, 1], visible: false, range: [0, 2] },
        shapes, showlegend: true, legend: { orientation: "h", y: -0.15 },
      };
      await window.Plotly.newPlot(box, traces, layout, { displaylogo: false, responsive: true });
      box.dataset.rendered = "true";
      box.dataset.boundaries = String(boundaries.length);
      box.dataset.segments = String(data.segments.length);
    } catch (error) {
      box.replaceChildren(el("p", { class: "error" }, `The timeline could not be drawn: ${error.message}`));
      box.dataset.rendered = "error";
    }
  }

  function answerState(answer) {
    if (answer.state === "ok") return null;
    return el("p", { class: answer.state === "busy" ? "note" : "muted", "data-state": answer.state }, answer.reason || answer.state);
  }

  function recordingLink(recordingId, text) {
    return el("a", { href: `/recordings/${recordingId}` }, text);
  }

  async function fillGraph(box) {
    try {
      const answer = await getJson(box.dataset.src);
      box.dataset.state = answer.state;
      const note = answerState(answer);
      if (note) { box.replaceChildren(note); return; }
      if (!answer.items.length) { box.replaceChildren(el("p", { class: "muted" }, "None found.")); return; }
      const list = el("ul", {});
      for (const item of answer.items) {
        const name = (item.path || item.recording_id).split("/").pop();
        if ("relation" in item) {
          list.append(el("li", {}, recordingLink(item.recording_id, name),
            ` ${item.camelot} · ${item.bpm.toFixed(1)} BPM · ${item.relation} · Δ ${(item.bpm_distance * 100).toFixed(1)}%`));
        } else {
          list.append(el("li", {}, recordingLink(item.recording_id, item.tracklist_title || name),
            ` #${item.position}${item.cue_time ? " at " + item.cue_time : ""} (${item.artist} – ${item.title})`));
        }
      }
      box.replaceChildren(list);
    } catch (error) {
      box.dataset.state = "error";
      box.replaceChildren(el("p", { class: "error" }, `The graph could not be asked: ${error.message}`));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawTimeline();
    for (const box of document.querySelectorAll(".graph-answer")) fillGraph(box);
  });
})();
