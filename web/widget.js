/*
 * The rehearsal chat widget: one script, embeddable with one tag, also the standalone page.
 *
 *   <script src="http://host:8080/widget.js" data-server="http://host:5005"
 *           data-title="Practice space" data-start='/start_rehearsal{"kind":"ask"}'></script>
 *
 * or, with <script src=".../widget.js" data-manual></script>:
 *
 *   window.RehearsalWidget.init({server, title, start, container, storage, exitUrl})
 *
 * It talks to Rasa's socket.io channel (session_request / session_confirm / user_uttered /
 * bot_uttered, session persistence on), renders the partner / coach / safety / guide messages
 * differently, keeps the transcript in sessionStorage so a reload does not lose the rehearsal,
 * and offers a quick exit that wipes it and leaves for a neutral page.
 *
 * Server text is always put in the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  if (window.RehearsalWidget && window.RehearsalWidget.version) return; // loaded twice

  var VERSION = "1.0.0";
  var STORAGE_PREFIX = "rehearsal:";
  var MAX_ENTRIES = 400;
  var MAX_INPUT = 2000;
  var TYPING_TAIL_MS = 600;
  var TYPING_TIMEOUT_MS = 20000;
  var ESC_WINDOW_MS = 1200;
  var ROLES = { partner: 1, coach: 1, safety: 1, guide: 1 };
  var CONTROLS = [
    { payload: "/slow_down", label: "Pause", hint: "yellow", icon: "M4 3h3v10H4zM9 3h3v10H9z", cls: "pause",
      said: "Yellow \u2014 let's slow down" },
    { payload: "/stop_roleplay", label: "Stop", hint: "red", icon: "M3.5 3.5h9v9h-9z", cls: "stop",
      said: "Red \u2014 stop" },
    { payload: "/rewind", label: "Rewind", hint: "", icon: "M8 3v10L2 8zM14 3v10L8 8z", cls: "rewind",
      said: "Let me try that line again" },
    { payload: "/help", label: "Help", hint: "", icon: "~M5.8 6a2.2 2.2 0 1 1 3.2 2c-.7.4-1 .9-1 1.6v.4M8 12.6v.2", cls: "help", said: "Help" },
    { payload: "/end_rehearsal", label: "End", hint: "& debrief", icon: "~M3 8.5l3.2 3.2L13 4.8", cls: "end",
      said: "End the rehearsal" }
  ];
  var KIND_LABELS = { ask: "Asking", refuse: "Saying no", renegotiate: "Renegotiating" };

  var thisScript = document.currentScript;
  var scriptBase = thisScript && thisScript.src
    ? new URL(".", thisScript.src).href
    : new URL(".", window.location.href).href;

  // ---------------------------------------------------------------- small helpers

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function str(value, max) {
    if (value === undefined || value === null) return "";
    var s = typeof value === "string" ? value : String(value);
    return max && s.length > max ? s.slice(0, max) : s;
  }

  function humanize(code) {
    var s = str(code, 80).replace(/[_-]+/g, " ").trim();
    return s ? s.charAt(0).toUpperCase() + s.slice(1) : "";
  }

  /** Paragraphs split on blank lines; single line breaks are kept by CSS (pre-line). */
  function paragraphs(parent, text, cls) {
    str(text, 20000).split(/\n\s*\n/).forEach(function (para) {
      if (para.trim()) parent.appendChild(el("p", cls || "rw-text", para.trim()));
    });
  }

  /** A tiny inline SVG icon: no icon font, no emoji font needed. */
  function icon(pathData) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "rw-ctl-icon");
    var path = document.createElementNS(ns, "path");
    var stroked = pathData.charAt(0) === "~"; // "~" marks a line drawing rather than a shape
    path.setAttribute("d", stroked ? pathData.slice(1) : pathData);
    if (stroked) {
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("stroke-linejoin", "round");
    } else {
      path.setAttribute("fill", "currentColor");
    }
    svg.appendChild(path);
    return svg;
  }

  function srOnly(text) { return el("span", "rw-sr", text); }

  function safeUrl(url) {
    try {
      var u = new URL(str(url, 2000));
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  function telHref(phone) {
    var digits = str(phone, 40).replace(/[^0-9+]/g, "");
    return digits ? "tel:" + digits : null;
  }

  function asArray(x) { return Array.isArray(x) ? x : []; }
  function asObject(x) { return x && typeof x === "object" && !Array.isArray(x) ? x : null; }

  /** Python offsets count code points; JS strings count UTF-16 units. Slice by code point. */
  function splitSpan(text, start, end) {
    var chars = Array.from(text);
    var s = Number(start), e = Number(end);
    if (!isFinite(s) || !isFinite(e)) return null;
    s = Math.max(0, Math.min(chars.length, Math.floor(s)));
    e = Math.max(s, Math.min(chars.length, Math.floor(e)));
    if (e <= s) return null;
    return [chars.slice(0, s).join(""), chars.slice(s, e).join(""), chars.slice(e).join("")];
  }

  /** Accept {role,...}, {data:{role,...}}, plain Rasa {text, quick_replies} and strings. */
  function normalize(raw) {
    if (raw === undefined || raw === null) return null;
    if (typeof raw === "string") return raw.trim() ? { role: "guide", text: raw } : null;
    var m = asObject(raw);
    if (!m) return null;
    if (!m.role && asObject(m.data)) m = m.data;
    if (!m.role && asObject(m.custom)) m = asObject(m.custom.data) || m.custom;
    var out = {};
    Object.keys(m).forEach(function (k) { out[k] = m[k]; });
    if (!ROLES[out.role]) out.role = "guide";
    out.text = str(out.text);
    var buttons = Array.isArray(m.buttons) ? m.buttons : asArray(m.quick_replies);
    out.buttons = buttons.map(function (b) {
      b = asObject(b) || {};
      return { title: str(b.title, 200), payload: str(b.payload, 2000) };
    }).filter(function (b) { return b.title && b.payload; });
    var hasBody = out.text.trim() || out.buttons.length || out.role === "coach" ||
      (out.role === "safety" && asArray(out.resources).length);
    return hasBody ? out : null;
  }

  // ---------------------------------------------------------------- storage

  function pickStorage(kind) {
    var candidates = kind === "local" ? ["localStorage"] : ["sessionStorage"];
    for (var i = 0; i < candidates.length; i++) {
      try {
        var s = window[candidates[i]];
        s.setItem(STORAGE_PREFIX + "probe", "1");
        s.removeItem(STORAGE_PREFIX + "probe");
        return s;
      } catch (e) { /* blocked: fall back to memory */ }
    }
    var mem = {};
    return {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(mem, k) ? mem[k] : null; },
      setItem: function (k, v) { mem[k] = String(v); },
      removeItem: function (k) { delete mem[k]; }
    };
  }

  function wipeAllStorage() {
    ["sessionStorage", "localStorage"].forEach(function (name) {
      try {
        var s = window[name];
        var doomed = [];
        for (var i = 0; i < s.length; i++) {
          var k = s.key(i);
          if (k && k.indexOf(STORAGE_PREFIX) === 0) doomed.push(k);
        }
        doomed.forEach(function (k) { s.removeItem(k); });
      } catch (e) { /* storage blocked: nothing stored there */ }
    });
  }

  function Store(kind, namespace) {
    this.backend = pickStorage(kind);
    this.ns = STORAGE_PREFIX + namespace + ":";
  }
  Store.prototype.get = function (key) {
    try { return this.backend.getItem(this.ns + key); } catch (e) { return null; }
  };
  Store.prototype.set = function (key, value) {
    try { this.backend.setItem(this.ns + key, value); } catch (e) { /* full or blocked */ }
  };
  Store.prototype.remove = function (key) {
    try { this.backend.removeItem(this.ns + key); } catch (e) { /* blocked */ }
  };
  Store.prototype.getJSON = function (key, fallback) {
    var raw = this.get(key);
    if (!raw) return fallback;
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  };

  // ---------------------------------------------------------------- start payload

  var START_KEYS = ["kind", "activity", "persona", "difficulty"];

  /** ?start=/payload or ?kind=&activity=&persona=&difficulty= → a start payload, or null. */
  function startFromQuery(search) {
    var params;
    try { params = new URLSearchParams(search || ""); } catch (e) { return null; }
    var start = str(params.get("start"), 2000).trim();
    if (start) return start.charAt(0) === "/" ? start : null;
    var slots = {}, any = false;
    START_KEYS.forEach(function (k) {
      var v = str(params.get(k), 80).trim();
      if (v) { slots[k] = v; any = true; }
    });
    return any ? "/start_rehearsal" + JSON.stringify(slots) : null;
  }

  function stripStartQuery() {
    try {
      var url = new URL(window.location.href);
      var changed = false;
      ["start"].concat(START_KEYS).forEach(function (k) {
        if (url.searchParams.has(k)) { url.searchParams.delete(k); changed = true; }
      });
      if (changed) window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    } catch (e) { /* not fatal */ }
  }

  /** The country for local safety resources: the option, else the browser language's region. */
  function regionOf(option) {
    var explicit = str(option, 8).trim().toUpperCase();
    if (/^[A-Z]{2}$/.test(explicit)) return explicit;
    var match = /[-_]([A-Za-z]{2})(?:$|[-_])/.exec(str(navigator.language, 35));
    return match ? match[1].toUpperCase() : "";
  }

  // ---------------------------------------------------------------- loading dependencies

  var cssRequested = false;
  function ensureCss() {
    if (cssRequested || document.querySelector("link[data-rehearsal-css]")) return;
    cssRequested = true;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = scriptBase + "widget.css";
    link.setAttribute("data-rehearsal-css", "");
    document.head.appendChild(link);
  }

  var ioPromise = null;
  function ensureSocketIo() {
    if (window.io) return Promise.resolve(window.io);
    if (ioPromise) return ioPromise;
    ioPromise = new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = scriptBase + "vendor/socket.io.min.js";
      s.async = true;
      s.onload = function () { window.io ? resolve(window.io) : reject(new Error("no io")); };
      s.onerror = function () { reject(new Error("could not load the socket.io client")); };
      document.head.appendChild(s);
    });
    return ioPromise;
  }

  function resolveServer(server) {
    if (typeof server === "string" && server.trim()) return Promise.resolve(server.trim());
    return fetch(scriptBase + "config.json", { credentials: "omit", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (cfg) { return cfg && typeof cfg.server === "string" ? cfg.server : ""; })
      .catch(function () { return ""; })
      .then(function (s) {
        return s || window.location.protocol + "//" + window.location.hostname + ":5005";
      });
  }

  // ---------------------------------------------------------------- the widget

  var idCounter = 0;

  function Widget(options) {
    options = options || {};
    this.options = options;
    this.uid = "rw" + (++idCounter);
    this.title = str(options.title, 80).trim() || "Practice space";
    this.mode = options.mode === "page" ? "page" : (options.container ? "inline" : "floating");
    this.exitUrl = str(options.exitUrl).trim() || scriptBase + "weather.html";
    this.region = regionOf(options.region);
    this.storageKind = options.storage === "local" ? "local" : "session";
    this.readQuery = options.readQuery !== undefined ? !!options.readQuery : this.mode === "page";
    this.entries = [];
    this.outbox = [];
    this.socket = null;
    this.sessionId = null;
    this.confirmed = false;
    this.everConnected = false;
    this.exiting = false;
    this.lastEsc = 0;
    this.typingTimer = null;
    this.pendingStart = null;
    this.greetIfNew = false;

    ensureCss();
    this.buildDom(options.container);
    this.bindKeys();
    this.setStatus("Connecting\u2026");

    var self = this;
    this.ready = resolveServer(options.server).then(function (server) {
      self.server = server.replace(/\/+$/, "");
      self.store = new Store(self.storageKind, self.server || window.location.origin);
      self.restore();
      self.planStart();
      return ensureSocketIo();
    }).then(function (io) {
      if (!self.exiting) self.connect(io);
      return self;
    }).catch(function () {
      self.setStatus("The chat could not load. Please reload the page.");
      return self;
    });
  }

  // ---- DOM

  Widget.prototype.buildDom = function (container) {
    var self = this;
    var host = null;
    if (container) host = typeof container === "string" ? document.querySelector(container) : container;
    if (!host && this.mode !== "floating") this.mode = "floating";

    var root = el("section", "rw rw--" + this.mode);
    root.setAttribute("aria-label", this.title);
    this.root = root;

    var header = el("header", "rw-header");
    var title = el(this.mode === "page" ? "h1" : "h2", "rw-title", this.title);
    title.id = this.uid + "-title";
    var status = el("p", "rw-status");
    status.setAttribute("role", "status");
    this.statusEl = status;
    var exit = el("button", "rw-exit");
    exit.type = "button";
    exit.appendChild(el("span", "", "Quick exit"));
    exit.appendChild(el("span", "rw-exit-hint", "Esc Esc"));
    exit.setAttribute("aria-label", "Quick exit: clear this conversation and leave (or press Escape twice)");
    exit.setAttribute("aria-keyshortcuts", "Escape");
    exit.addEventListener("click", function () { self.quickExit(); });
    var titleBox = el("div", "rw-titlebox");
    titleBox.appendChild(title);
    titleBox.appendChild(status);
    header.appendChild(titleBox);
    header.appendChild(exit);
    if (this.mode === "floating") {
      var close = el("button", "rw-close");
      close.type = "button";
      close.setAttribute("aria-label", "Minimise the practice chat");
      close.textContent = "\u2013";
      close.addEventListener("click", function () { self.toggle(false); });
      header.appendChild(close);
    }
    root.appendChild(header);

    var controls = el("div", "rw-controls");
    controls.setAttribute("role", "toolbar");
    controls.setAttribute("aria-label", "Rehearsal controls");
    CONTROLS.forEach(function (c) {
      var b = el("button", "rw-ctl rw-ctl--" + c.cls);
      b.type = "button";
      b.setAttribute("data-payload", c.payload);
      if (c.icon) b.appendChild(icon(c.icon));
      b.appendChild(el("span", "rw-ctl-label", c.label));
      if (c.hint) b.appendChild(el("span", "rw-ctl-hint", " " + c.hint));
      b.addEventListener("click", function () { self.send(c.payload, c.said, { control: true }); });
      controls.appendChild(b);
    });
    root.appendChild(controls);

    var log = el("div", "rw-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", "Conversation");
    log.tabIndex = 0;
    this.logEl = log;
    root.appendChild(log);

    var typing = el("div", "rw-typing");
    typing.setAttribute("aria-hidden", "true");
    typing.hidden = true;
    typing.appendChild(el("span", "rw-dot"));
    typing.appendChild(el("span", "rw-dot"));
    typing.appendChild(el("span", "rw-dot"));
    this.typingEl = typing;
    root.appendChild(typing);

    var form = el("form", "rw-form");
    form.setAttribute("autocomplete", "off");
    var label = el("label", "rw-sr", "Your message");
    label.htmlFor = this.uid + "-input";
    var input = el("textarea", "rw-input");
    input.id = this.uid + "-input";
    input.rows = 1;
    input.maxLength = MAX_INPUT;
    input.placeholder = "Type what you would say\u2026";
    input.setAttribute("enterkeyhint", "send");
    input.setAttribute("aria-describedby", this.uid + "-hint");
    var hint = el("span", "rw-sr", "Enter sends. Shift and Enter starts a new line.");
    hint.id = this.uid + "-hint";
    var sendBtn = el("button", "rw-send", "Send");
    sendBtn.type = "submit";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(hint);
    form.appendChild(sendBtn);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      self.submitInput();
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        self.submitInput();
      }
    });
    input.addEventListener("input", function () { self.autosize(); });
    this.inputEl = input;
    root.appendChild(form);

    if (this.mode === "floating") {
      var launcher = el("button", "rw-launcher", this.title);
      launcher.type = "button";
      launcher.setAttribute("aria-expanded", "false");
      launcher.addEventListener("click", function () { self.toggle(); });
      this.launcher = launcher;
      root.hidden = true;
      document.body.appendChild(launcher);
      document.body.appendChild(root);
      root.id = this.uid + "-panel";
      launcher.setAttribute("aria-controls", root.id);
      if (this.options.open) this.toggle(true);
    } else {
      host.appendChild(root);
    }
  };

  Widget.prototype.toggle = function (open) {
    if (!this.launcher) return;
    var show = open === undefined ? this.root.hidden : !!open;
    this.root.hidden = !show;
    this.launcher.setAttribute("aria-expanded", show ? "true" : "false");
    if (show) { this.scrollToEnd(); this.inputEl.focus(); } else { this.launcher.focus(); }
  };

  Widget.prototype.autosize = function () {
    var input = this.inputEl;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  };

  Widget.prototype.setStatus = function (text) {
    this.statusEl.textContent = text || "";
    this.root.setAttribute("data-status", text ? "busy" : "ok");
  };

  Widget.prototype.bindKeys = function () {
    var self = this;
    this.onKey = function (ev) {
      if (ev.key !== "Escape" || ev.repeat) return;
      var now = Date.now();
      if (now - self.lastEsc <= ESC_WINDOW_MS) self.quickExit();
      else self.lastEsc = now;
    };
    document.addEventListener("keydown", this.onKey, true);
  };

  Widget.prototype.scrollToEnd = function () {
    this.logEl.scrollTop = this.logEl.scrollHeight;
  };

  // ---- rendering

  Widget.prototype.disableQuickReplies = function () {
    var buttons = this.logEl.querySelectorAll(".rw-qr");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
      buttons[i].setAttribute("aria-disabled", "true");
    }
  };

  Widget.prototype.renderEntry = function (entry) {
    var node;
    if (entry.who === "user") {
      this.disableQuickReplies();
      node = el("div", "rw-msg rw-msg--user" + (entry.control ? " rw-msg--control" : ""));
      node.appendChild(srOnly("You: "));
      var bubble = el("div", "rw-bubble");
      paragraphs(bubble, entry.text);
      node.appendChild(bubble);
    } else {
      node = this.renderBot(entry.msg);
      if (node && entry.msg.type) node.setAttribute("data-type", str(entry.msg.type, 40));
    }
    if (node) {
      this.logEl.appendChild(node);
      this.scrollToEnd();
    }
    return node;
  };

  Widget.prototype.renderBot = function (m) {
    if (m.role === "partner") return this.renderPartner(m);
    if (m.role === "coach") return m.type === "debrief" || asObject(m.debrief)
      ? this.renderDebrief(m) : this.renderTip(m);
    if (m.role === "safety") return this.renderSafety(m);
    return this.renderGuide(m);
  };

  Widget.prototype.renderButtons = function (parent, buttons) {
    if (!buttons || !buttons.length) return;
    var self = this;
    var group = el("div", "rw-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Quick replies");
    buttons.forEach(function (b) {
      var btn = el("button", "rw-qr", b.title);
      btn.type = "button";
      btn.addEventListener("click", function () {
        if (btn.disabled) return;
        self.send(b.payload, b.title);
      });
      group.appendChild(btn);
    });
    parent.appendChild(group);
  };

  Widget.prototype.renderPartner = function (m) {
    var persona = asObject(m.persona) || {};
    var name = str(persona.name, 40).trim() || "Partner";
    var avatarText = Array.from(str(persona.avatar, 16).trim()).slice(0, 2).join("") ||
      Array.from(name)[0].toUpperCase();
    var node = el("div", "rw-msg rw-msg--partner");
    node.setAttribute("data-role", "partner");
    var avatar = el("div", "rw-avatar", avatarText);
    avatar.setAttribute("aria-hidden", "true");
    var body = el("div", "rw-body");
    var who = el("p", "rw-name", name);
    who.appendChild(srOnly(" (your practice partner) says:"));
    var bubble = el("div", "rw-bubble");
    paragraphs(bubble, m.text);
    body.appendChild(who);
    body.appendChild(bubble);
    this.renderButtons(body, m.buttons);
    node.appendChild(avatar);
    node.appendChild(body);
    return node;
  };

  Widget.prototype.renderGuide = function (m) {
    var node = el("div", "rw-msg rw-msg--guide");
    node.setAttribute("data-role", "guide");
    node.appendChild(srOnly("Guide: "));
    var body = el("div", "rw-guide");
    paragraphs(body, m.text);
    node.appendChild(body);
    if (m.type === "download" && asObject(m["export"])) node.appendChild(this.downloadButton(m));
    this.renderButtons(node, m.buttons);
    return node;
  };

  /** The user's own history as a file, made in the browser from the message's export. */
  Widget.prototype.downloadButton = function (m) {
    var name = str(m.filename, 120).replace(/[^A-Za-z0-9._-]+/g, "-") || "practice-history.json";
    var btn = el("button", "rw-use rw-download", "Save " + name);
    btn.type = "button";
    btn.addEventListener("click", function () {
      var blob = new Blob([JSON.stringify(m["export"], null, 2)], { type: "application/json" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
    return btn;
  };

  Widget.prototype.useWordingButton = function (suggestion) {
    var self = this;
    var btn = el("button", "rw-use", "Use this wording");
    btn.type = "button";
    btn.addEventListener("click", function () {
      self.inputEl.value = str(suggestion, MAX_INPUT);
      self.autosize();
      self.inputEl.focus();
      var end = self.inputEl.value.length;
      try { self.inputEl.setSelectionRange(end, end); } catch (e) { /* ignore */ }
    });
    return btn;
  };

  Widget.prototype.renderTip = function (m) {
    var node = el("article", "rw-msg rw-card rw-card--coach");
    node.setAttribute("data-role", "coach");
    node.setAttribute("aria-label", "Coach tip");
    node.appendChild(el("p", "rw-kicker", "Coach"));
    var focus = asObject(m.focus);
    var strength = asObject(m.strength);
    var userText = str(m.user_text, 10000);
    // The server's text often repeats the focus's explanation and rewrite, which the card
    // already shows in its own places; say it once.
    var focusExpl = focus ? str(focus.explanation, 2000).trim() : "";
    if (!(focusExpl && m.text.indexOf(focusExpl) !== -1)) paragraphs(node, m.text);

    var mark = focus || strength;
    if (userText.trim()) {
      var said = el("blockquote", "rw-said");
      said.appendChild(srOnly("You said: "));
      var parts = mark ? splitSpan(userText, mark.start, mark.end) : null;
      if (parts) {
        said.appendChild(document.createTextNode(parts[0]));
        var polarity = mark.polarity === "strength" || (!focus && strength) ? "strength" : "concern";
        var hl = el("mark", "rw-mark rw-mark--" + polarity, parts[1]);
        said.appendChild(hl);
        said.appendChild(document.createTextNode(parts[2]));
      } else {
        said.appendChild(document.createTextNode(userText));
      }
      node.appendChild(said);
    }
    if (focus) {
      var about = el("p", "rw-finding");
      var tag = el("span", "rw-tag rw-tag--" + (focus.polarity === "strength" ? "strength" : "concern"),
        humanize(focus.code));
      about.appendChild(tag);
      var expl = str(focus.explanation, 2000).trim();
      if (expl) about.appendChild(el("span", "rw-expl", " " + expl));
      if (tag.textContent || about.childNodes.length > 1) node.appendChild(about);
      var suggestion = str(focus.suggestion, MAX_INPUT).trim();
      if (suggestion) {
        var rewrite = el("div", "rw-rewrite");
        rewrite.appendChild(el("p", "rw-rewrite-label", "Another way to say it"));
        rewrite.appendChild(el("p", "rw-rewrite-text", suggestion));
        rewrite.appendChild(this.useWordingButton(suggestion));
        node.appendChild(rewrite);
      }
    }
    if (strength && strength !== focus) {
      var good = el("p", "rw-finding rw-finding--strength");
      good.appendChild(el("span", "rw-tag rw-tag--strength", "What worked: " + humanize(strength.code)));
      var sExpl = str(strength.explanation, 2000).trim();
      if (sExpl) good.appendChild(el("span", "rw-expl", " " + sExpl));
      node.appendChild(good);
    }
    this.renderButtons(node, m.buttons);
    return node;
  };

  Widget.prototype.renderDebrief = function (m) {
    var self = this;
    var d = asObject(m.debrief) || {};
    var node = el("article", "rw-msg rw-card rw-card--debrief");
    node.setAttribute("data-role", "debrief");
    node.setAttribute("aria-label", "Debrief");
    var kind = KIND_LABELS[d.kind] || humanize(d.kind);
    node.appendChild(el("p", "rw-kicker", "Debrief" + (kind ? " \u00B7 " + kind : "")));
    paragraphs(node, m.text);

    var scores = asObject(d.scores) || {};
    var comparison = asObject(d.comparison);
    var names = Object.keys(scores);
    if (names.length) {
      var list = el("ul", "rw-scores");
      list.setAttribute("aria-label", comparison ? "Skill scores, with the change since your last attempt" : "Skill scores");
      names.forEach(function (name) {
        var value = Number(scores[name]);
        if (!isFinite(value)) return;
        value = Math.max(0, Math.min(100, Math.round(value)));
        var li = el("li", "rw-score");
        li.setAttribute("data-skill", name);
        var row = el("div", "rw-score-row");
        row.appendChild(el("span", "rw-score-name", humanize(name)));
        var val = el("span", "rw-score-value", String(value));
        val.appendChild(srOnly(" out of 100"));
        row.appendChild(val);
        if (comparison && comparison[name] !== undefined && comparison[name] !== null &&
            isFinite(Number(comparison[name]))) {
          var delta = Math.round(Number(comparison[name]));
          var dir = delta > 0 ? "up" : delta < 0 ? "down" : "same";
          var dEl = el("span", "rw-delta rw-delta--" + dir);
          var arrow = delta > 0 ? "\u25B2 +" + delta : delta < 0 ? "\u25BC \u2212" + Math.abs(delta) : "\u25CF 0";
          var glyph = el("span", "", arrow);
          glyph.setAttribute("aria-hidden", "true");
          dEl.appendChild(glyph);
          dEl.appendChild(srOnly(delta > 0 ? ", up " + delta + " since last time"
            : delta < 0 ? ", down " + Math.abs(delta) + " since last time" : ", same as last time"));
          row.appendChild(dEl);
        }
        li.appendChild(row);
        var bar = el("div", "rw-bar");
        bar.setAttribute("aria-hidden", "true");
        var fill = el("div", "rw-bar-fill");
        fill.style.width = value + "%";
        bar.appendChild(fill);
        li.appendChild(bar);
        list.appendChild(li);
      });
      node.appendChild(list);
      if (!comparison) node.appendChild(el("p", "rw-note", "Practise again and you will see how each skill moves."));
    }

    function section(title, items, fill) {
      items = asArray(items).map(asObject).filter(Boolean);
      if (!items.length) return;
      var wrap = el("div", "rw-section");
      wrap.appendChild(el("p", "rw-section-title", title));
      var ul = el("ul", "rw-points");
      items.forEach(function (it) { var li = el("li"); fill(li, it); ul.appendChild(li); });
      wrap.appendChild(ul);
      node.appendChild(wrap);
    }
    function quote(li, it) {
      var q = str(it.quote, 2000).trim();
      if (q) li.appendChild(el("q", "rw-quote", q));
      var e = str(it.explanation, 2000).trim();
      if (e) li.appendChild(el("span", "rw-expl", (q ? " " : "") + e));
    }
    section("What went well", d.strengths, quote);
    section("Worth another try", d.concerns, function (li, it) {
      quote(li, it);
      var s = str(it.suggestion, MAX_INPUT).trim();
      if (s) {
        var rw = el("div", "rw-rewrite rw-rewrite--small");
        rw.appendChild(el("p", "rw-rewrite-label", "Another way to say it"));
        rw.appendChild(el("p", "rw-rewrite-text", s));
        rw.appendChild(self.useWordingButton(s));
        li.appendChild(rw);
      }
    });
    section("Pressure your partner used (so you can spot it)", d.partner_pressure, function (li, it) {
      li.appendChild(el("strong", "", str(it.name, 200) || humanize(it.id)));
      var desc = str(it.description, 2000).trim();
      if (desc) li.appendChild(el("span", "rw-expl", " \u2014 " + desc));
    });
    this.renderButtons(node, m.buttons);
    return node;
  };

  Widget.prototype.renderSafety = function (m) {
    var node = el("section", "rw-msg rw-panel rw-panel--safety");
    node.setAttribute("data-role", "safety");
    node.setAttribute("aria-label", "Support and resources");
    node.appendChild(el("p", "rw-kicker", m.type === "referral" ? "A note from outside the practice" : "Stepping out of the practice"));
    paragraphs(node, m.text);
    var resources = asArray(m.resources).map(asObject).filter(Boolean);
    if (resources.length) {
      var ul = el("ul", "rw-resources");
      resources.forEach(function (r) {
        var li = el("li", "rw-resource");
        var name = str(r.name, 200).trim() || "Resource";
        var href = safeUrl(r.url);
        var head = el("p", "rw-resource-name");
        if (href) {
          var a = el("a", "", name);
          a.href = href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          head.appendChild(a);
        } else {
          head.appendChild(el("strong", "", name));
        }
        var region = str(r.region, 80).trim();
        if (region) head.appendChild(el("span", "rw-region", " \u00B7 " + region));
        li.appendChild(head);
        var desc = str(r.description, 1000).trim();
        if (desc) li.appendChild(el("p", "rw-resource-desc", desc));
        var tel = telHref(r.phone);
        if (tel) {
          var call = el("a", "rw-phone", "Call " + str(r.phone, 40).trim());
          call.href = tel;
          li.appendChild(call);
        }
        ul.appendChild(li);
      });
      node.appendChild(ul);
    }
    this.renderButtons(node, m.buttons);
    return node;
  };

  // ---- transcript

  Widget.prototype.record = function (entry) {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries = this.entries.slice(-MAX_ENTRIES);
    if (this.store) this.store.set("transcript", JSON.stringify(this.entries));
    this.renderEntry(entry);
  };

  Widget.prototype.restore = function () {
    this.sessionId = this.store.get("session") || null;
    var saved = this.store.getJSON("transcript", []);
    var self = this;
    this.entries = [];
    asArray(saved).forEach(function (e) {
      e = asObject(e);
      if (!e) return;
      if (e.who === "user" && typeof e.text === "string") {
        self.entries.push({ who: "user", text: e.text, control: !!e.control });
      } else if (e.who === "bot") {
        var m = normalize(e.msg);
        if (m) self.entries.push({ who: "bot", msg: m });
      }
    });
    this.entries.forEach(function (e) { self.renderEntry(e); });
  };

  Widget.prototype.planStart = function () {
    var start = str(this.options.start).trim();
    if (start && start.charAt(0) !== "/") start = "";
    if (!start && this.readQuery) start = startFromQuery(window.location.search) || "";
    if (start && this.store.get("started") !== start) this.pendingStart = start;
    if (this.readQuery) stripStartQuery();
    this.greetIfNew = !this.sessionId && this.entries.length === 0;
  };

  // ---- connection

  Widget.prototype.connect = function (io) {
    var self = this;
    var opts = {
      path: "/socket.io",
      transports: ["websocket", "polling"],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      timeout: 8000
    };
    var socket = this.server ? io(this.server, opts) : io(opts);
    this.socket = socket;

    socket.on("connect", function () {
      self.confirmed = false;
      socket.emit("session_request", { session_id: self.sessionId });
    });
    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : asObject(data) && data.session_id;
      if (!id) return;
      var fresh = !self.sessionId;
      self.sessionId = String(id);
      self.store.set("session", self.sessionId);
      self.confirmed = true;
      self.everConnected = true;
      self.setStatus("");
      if (self.pendingStart) {
        var start = self.pendingStart;
        self.pendingStart = null;
        self.greetIfNew = false;
        self.store.set("started", start);
        self.send(start, null, { hidden: true });
      } else if (fresh && self.greetIfNew) {
        self.greetIfNew = false;
        self.send("/greet", null, { hidden: true });
      }
      self.flush();
    });
    socket.on("bot_uttered", function (raw) { self.receive(raw); });
    socket.on("disconnect", function (reason) {
      self.confirmed = false;
      if (self.exiting) return;
      self.setStatus("Reconnecting\u2026 your practice is kept.");
      if (reason === "io server disconnect") {
        // The server closed the connection on purpose; socket.io will not retry by itself.
        setTimeout(function () { if (!self.exiting) socket.connect(); }, 800);
      }
    });
    socket.on("connect_error", function () {
      if (self.exiting) return;
      self.setStatus(self.everConnected ? "Reconnecting\u2026 your practice is kept."
        : "Can't reach the practice server yet. Trying again\u2026");
    });
  };

  Widget.prototype.send = function (payload, shown, opts) {
    opts = opts || {};
    if (this.exiting) return;
    var message = str(payload, MAX_INPUT);
    if (!message.trim()) return;
    if (!opts.hidden) this.record({ who: "user", text: shown || message, control: !!opts.control });
    this.outbox.push(message);
    this.showTyping();
    this.flush();
  };

  Widget.prototype.submitInput = function () {
    var text = this.inputEl.value;
    if (!text.trim()) { this.inputEl.focus(); return; }
    this.inputEl.value = "";
    this.autosize();
    this.send(text.trim(), text.trim());
    this.inputEl.focus();
  };

  Widget.prototype.flush = function () {
    if (!this.socket || !this.socket.connected || !this.confirmed) return;
    while (this.outbox.length) {
      var message = this.outbox.shift();
      var metadata = this.region ? { region: this.region } : {};
      this.socket.emit("user_uttered", { message: message, session_id: this.sessionId, metadata: metadata });
    }
  };

  Widget.prototype.receive = function (raw) {
    if (this.exiting) return;
    var m = normalize(raw);
    if (m) this.record({ who: "bot", msg: m });
    if (!this.typingEl.hidden) this.scheduleTypingHide(TYPING_TAIL_MS);
  };

  Widget.prototype.showTyping = function () {
    this.typingEl.hidden = false;
    this.scheduleTypingHide(TYPING_TIMEOUT_MS);
  };

  Widget.prototype.scheduleTypingHide = function (ms) {
    var self = this;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.typingEl.hidden = true; }, ms);
  };

  // ---- quick exit

  Widget.prototype.quickExit = function () {
    if (this.exiting) return;
    this.exiting = true;
    try { if (this.socket) this.socket.disconnect(); } catch (e) { /* leaving anyway */ }
    wipeAllStorage();
    this.entries = [];
    this.outbox = [];
    try {
      this.logEl.textContent = "";
      this.inputEl.value = "";
      this.root.hidden = true;
      document.title = "Weather";
    } catch (e) { /* leaving anyway */ }
    window.location.replace(this.exitUrl);
  };

  // ---------------------------------------------------------------- public API

  var instances = [];
  window.RehearsalWidget = {
    version: VERSION,
    init: function (options) {
      var w = new Widget(options);
      instances.push(w);
      return w;
    },
    instances: instances,
    _startFromQuery: startFromQuery
  };

  // One tag is enough: data-* attributes configure and start it; data-manual opts out.
  if (thisScript && !thisScript.hasAttribute("data-manual")) {
    var ds = thisScript.dataset;
    var autoOptions = {
      server: ds.server,
      title: ds.title,
      start: ds.start,
      container: ds.container,
      mode: ds.mode,
      exitUrl: ds.exitUrl,
      storage: ds.storage,
      region: ds.region,
      open: ds.open === "true" || ds.open === ""
    };
    var begin = function () { window.RehearsalWidget.init(autoOptions); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", begin);
    else begin();
  }
})();
