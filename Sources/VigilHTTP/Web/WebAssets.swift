/// The UI's stylesheet and script, served from the daemon itself (no CDN, no build step).
enum WebAssets {
    static let css = """
        :root { --fg:#1d2330; --muted:#667085; --line:#e3e6ec; --bg:#f7f8fa; --accent:#2457c5; --bad:#b42318; --ok:#067647; }
        * { box-sizing: border-box; }
        body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
        header.top { display:flex; align-items:center; gap:20px; padding:10px 20px; background:#111827; color:#fff; }
        header.top a { color:#d1d5db; text-decoration:none; } header.top a.active, header.top a:hover { color:#fff; }
        header.top .brand { font-weight:700; color:#fff; margin-right:10px; }
        header.top .who { margin-left:auto; color:#9ca3af; display:flex; gap:10px; align-items:center; }
        header.top form { margin:0; } header.top button { background:none; border:1px solid #4b5563; color:#d1d5db; border-radius:4px; cursor:pointer; }
        main { padding:18px 20px; max-width:1500px; }
        h1 { font-size:20px; margin:0 0 14px; } h2 { font-size:16px; margin:22px 0 8px; }
        table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
        th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
        th { background:#f0f2f5; font-weight:600; font-size:13px; }
        td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
        tr.event-row:hover { background:#f5f8ff; }
        .muted, time .local { color:var(--muted); } time .local { display:block; font-size:12px; }
        .outcome-failure { color:var(--bad); font-weight:600; } .outcome-success { color:var(--ok); }
        .sev-high, .sev-critical { color:var(--bad); font-weight:700; }
        form.filters { display:grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap:8px; background:#fff;
          border:1px solid var(--line); padding:10px; margin-bottom:12px; }
        form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
        form.filters .wide { grid-column: 1 / -1; }
        input, select, button { font:inherit; padding:5px 7px; border:1px solid #c9ced6; border-radius:4px; }
        button.primary, a.button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; text-decoration:none;
          padding:5px 10px; border-radius:4px; display:inline-block; }
        .toolbar { display:flex; gap:10px; align-items:center; margin:8px 0; }
        .cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap:12px; margin-bottom:10px; }
        .card { background:#fff; border:1px solid var(--line); padding:12px 14px; }
        .card .value { font-size:24px; font-weight:700; } .card .label { color:var(--muted); font-size:12px; }
        pre { background:#fff; border:1px solid var(--line); padding:10px; white-space:pre-wrap; word-break:break-all; }
        .error { background:#fef3f2; border:1px solid #fecdca; color:var(--bad); padding:8px 10px; margin-bottom:10px; }
        .login { max-width:360px; margin:80px auto; background:#fff; border:1px solid var(--line); padding:24px; }
        .login label { display:block; margin:10px 0; } .login input { width:100%; }
        svg text { font-size:10px; fill:var(--muted); } svg rect.bar { fill:var(--accent); }
        .grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:16px; } @media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
        td.old { background:#fff1f0; } td.new { background:#effaf3; }
        """

    static let script = """
        "use strict";
        function localTimes(root) {
          root.querySelectorAll("time[datetime]").forEach(function (t) {
            if (t.querySelector(".local")) return;
            var d = new Date(t.getAttribute("datetime"));
            if (isNaN(d)) return;
            var s = document.createElement("span"); s.className = "local";
            s.textContent = d.toLocaleString() + " local"; t.appendChild(s);
          });
        }
        function formQuery(form) {
          var params = new URLSearchParams();
          new FormData(form).forEach(function (v, k) { if (String(v).trim() !== "") params.append(k, String(v).trim()); });
          return params.toString();
        }
        // Only the newest request may fill #results: an older, slower answer arriving late is dropped.
        var latestLoad = 0;
        function loadResults(url, push) {
          var results = document.getElementById("results");
          var partial = url + (url.indexOf("?") >= 0 ? "&" : "?") + "partial=1";
          var ticket = ++latestLoad;
          if (push && location.pathname + location.search !== url) history.pushState({ url: url }, "", url);
          fetch(partial, { credentials: "same-origin" }).then(function (r) {
            return r.text().then(function (body) { return { ok: r.ok, body: body }; });
          }).then(function (r) {
            if (ticket !== latestLoad) return;
            results.innerHTML = r.body; localTimes(results);
          });
        }
        document.addEventListener("DOMContentLoaded", function () {
          localTimes(document);
          var form = document.getElementById("filter-form");
          if (form) {
            var timer = null;
            form.addEventListener("submit", function (e) {
              e.preventDefault(); clearTimeout(timer); loadResults(form.getAttribute("action") + "?" + formQuery(form), true);
            });
            form.addEventListener("change", function () {
              clearTimeout(timer); timer = setTimeout(function () { loadResults(form.getAttribute("action") + "?" + formQuery(form), true); }, 300);
            });
            window.addEventListener("popstate", function () { location.reload(); });
          }
          document.addEventListener("click", function (e) {
            var next = e.target.closest && e.target.closest("a#next-page");
            if (next && document.getElementById("results")) { e.preventDefault(); loadResults(next.getAttribute("href"), true); }
            var copy = e.target.closest && e.target.closest("button#copy-filter");
            if (copy) {
              var text = copy.getAttribute("data-filter");
              if (navigator.clipboard) navigator.clipboard.writeText(text);
              copy.textContent = "Copied: " + text;
            }
          });
        });
        """
}
