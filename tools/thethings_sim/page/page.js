// The readings page of thethings_sim (page.py): each thing, each key's latest value and its
// time as text, a uPlot time plot of each numeric key, kept live by /events (server-sent
// events: a snapshot, then one event per write); a form that writes a value with the Write
// call. Names and values enter the page as text only (textContent, Option text, uPlot's own
// textContent), never as HTML: a value "<script>" shows as those characters.
"use strict";
(function () {
  const PER_KEY = 1000; // points kept per key, page.py's PER_KEY
  const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
  const things = new Map(); // id -> {section, tbody, plots, empty, keys: Map(key -> state)}
  const $ = (id) => document.getElementById(id);
  const main = $("things");

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A value is plotted when it is a number, or a string that reads as one ("9000", as in
  // theThings.IO's own example); other values show as text only.
  function numeric(v) {
    if (typeof v === "number") return Number.isFinite(v) ? v : null;
    if (typeof v === "string" && NUMBER.test(v)) return Number(v);
    return null;
  }

  function show(v) {
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  function reset() {
    for (const t of things.values()) for (const k of t.keys.values()) if (k.plot) k.plot.destroy();
    things.clear();
    main.replaceChildren();
    $("write-thing").replaceChildren();
  }

  function addThing(t) {
    if (things.has(t.id)) return things.get(t.id);
    main.querySelector(":scope > p.empty")?.remove();
    const section = el("section", "thing");
    section.dataset.thing = t.id;
    const h = el("h2", null, "thing " + t.short + "\u2026");
    h.append(el("small", "created", " activated " + t.created));
    const table = el("table");
    const head = table.createTHead().insertRow();
    for (const name of ["key", "latest value", "time"]) head.append(el("th", null, name));
    const tbody = table.createTBody();
    const empty = el("p", "empty", "No readings yet.");
    const plots = el("div", "plots");
    section.append(h, table, empty, plots);
    main.append(section);
    $("write-thing").append(new Option(t.short + "\u2026", t.id));
    const thing = { section, tbody, plots, empty, keys: new Map() };
    things.set(t.id, thing);
    return thing;
  }

  function keyState(thing, key) {
    let k = thing.keys.get(key);
    if (k) return k;
    const row = el("tr");
    row.dataset.key = key;
    row.append(el("td", "key", key), el("td", "value"), el("td", "time"));
    // rows in key order
    const after = [...thing.tbody.rows].find((r) => r.dataset.key > key);
    thing.tbody.insertBefore(row, after || null);
    thing.empty.remove();
    k = { row, latest: null, xs: [], ys: [], plot: null, box: null };
    thing.keys.set(key, k);
    return k;
  }

  // One record into a key: the text shows the newest by datetime (a board's outbox arrives
  // late and older: it does not replace a newer value; equal times: the later arrival);
  // the plot's points are kept in time order, at most PER_KEY of them.
  function addRecord(thing, rec) {
    const k = keyState(thing, rec.key);
    if (!k.latest || rec.datetime >= k.latest.datetime) {
      k.latest = rec;
      k.row.cells[1].textContent = show(rec.value);
      k.row.cells[2].textContent = rec.datetime;
    }
    const y = numeric(rec.value);
    if (y === null) return null;
    const x = Date.parse(rec.datetime) / 1000; // uPlot's time scale is in seconds
    let lo = 0;
    let hi = k.xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (k.xs[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    k.xs.splice(lo, 0, x);
    k.ys.splice(lo, 0, y);
    if (k.xs.length > PER_KEY) {
      k.xs.shift();
      k.ys.shift();
    }
    return k;
  }

  // Points all at one time (one reading): a minute around them, not uPlot's 1000 days.
  function xRange(u, lo, hi) {
    const xs = u.data[0];
    return xs.length && xs[0] === xs[xs.length - 1] ? [xs[0] - 30, xs[0] + 30] : [lo, hi];
  }

  // The value axis as wide as its longest label ("2,015,584": a heap figure).
  function ySize(u, values) {
    const n = values ? Math.max(0, ...values.map((v) => String(v).length)) : 4;
    return Math.max(60, 20 + 7 * n);
  }

  function draw(thing, key, k) {
    if (!k.plot) {
      k.box = el("div", "plot");
      k.box.dataset.key = key;
      const after = [...thing.plots.children].find((b) => b.dataset.key > key);
      thing.plots.insertBefore(k.box, after || null);
      k.plot = new uPlot(
        {
          title: key,
          width: 460,
          height: 200,
          scales: { x: { time: true, range: xRange } },
          axes: [{}, { size: ySize }],
          series: [{}, { label: key, stroke: "#1f77b4", width: 1.5, points: { size: 5 } }],
        },
        [k.xs, k.ys],
        k.box,
      );
    } else {
      k.plot.setData([k.xs, k.ys]);
    }
  }

  function addRecords(thing, records) {
    const touched = new Map();
    for (const rec of records) {
      const k = addRecord(thing, rec);
      if (k) touched.set(rec.key, k);
    }
    for (const [key, k] of touched) draw(thing, key, k);
  }

  function onEvent(msg) {
    const ev = JSON.parse(msg.data);
    if (ev.type === "snapshot") {
      // first on every (re)connection: the whole state, so nothing is missed or doubled
      reset();
      if (!ev.things.length) main.append(el("p", "empty", "No thing activated yet."));
      for (const t of ev.things) {
        const thing = addThing(t);
        const records = [];
        for (const [key, recs] of Object.entries(t.keys)) {
          for (const r of recs) records.push({ key, value: r.value, datetime: r.datetime });
        }
        addRecords(thing, records);
      }
      setStatus(true);
    } else if (ev.type === "thing") {
      addThing(ev.thing);
    } else if (ev.type === "write" && things.has(ev.id)) {
      addRecords(things.get(ev.id), ev.records);
    }
  }

  function setStatus(live) {
    const s = $("status");
    s.textContent = live ? "live" : "reconnecting";
    s.className = live ? "live" : "down";
  }

  function connect() {
    const es = new EventSource("/events");
    es.onmessage = onEvent;
    es.onerror = () => setStatus(false); // EventSource reconnects by itself (retry: 1 s)
  }

  // The form: theThings.IO's Write body, sent as it is; what the server refuses is shown
  // with the server's own message (no checks of its own here: one rule, the server's).
  $("write").addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = $("write-result");
    const id = $("write-thing").value;
    const text = $("write-value").value;
    const n = numeric(text);
    const value = $("write-type").value === "auto" && n !== null ? n : text;
    const body = JSON.stringify({ values: [{ key: $("write-key").value, value }] });
    out.className = "";
    out.textContent = "writing\u2026";
    try {
      const res = await fetch("/api/things/" + encodeURIComponent(id), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      const answer = await res.json();
      out.className = res.ok ? "ok" : "error";
      out.textContent = res.ok
        ? "written (" + answer.message + ")"
        : "refused: " + answer.message + " (" + res.status + ")";
    } catch (err) {
      out.className = "error";
      out.textContent = "no answer from the server: " + err;
    }
  });

  // For tests and the curious: what a key's plot holds, [times (s), values], read back
  // from uPlot itself (what it draws); null before the key has a plot.
  window.simPage = {
    plotted(id, key) {
      const k = things.get(id)?.keys.get(key);
      return k && k.plot ? [Array.from(k.plot.data[0]), Array.from(k.plot.data[1])] : null;
    },
  };
  connect();
})();
