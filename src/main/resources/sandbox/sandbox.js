// The sandbox page: plays Slack for restart-bot. It sends the bot what Slack sends (form-encoded
// slash commands and block_actions payloads, signed with the v0 HMAC-SHA256 scheme) to
// /slack/events, and shows the channel the bot writes into through the sandbox's fake Web API.
// Everything the bot wrote is rendered with textContent: its text never becomes HTML.
"use strict";

(() => {
  const POLL_MS = 600;
  const CLUSTER_POLL_MS = 1000;
  const EMOJI = {
    arrows_counterclockwise: "\u{1F504}", checkered_flag: "\u{1F3C1}",
    double_vertical_bar: "\u23F8\uFE0F", fast_forward: "\u23E9", hourglass: "\u231B",
    hourglass_flowing_sand: "\u23F3", information_source: "\u2139\uFE0F",
    leftwards_arrow_with_hook: "\u21A9\uFE0F", no_entry: "\u26D4", no_entry_sign: "\u{1F6AB}",
    warning: "\u26A0\uFE0F", white_check_mark: "\u2705", x: "\u274C", wave: "\u{1F44B}",
  };

  const state = {
    session: null, user: null, version: -1, messages: [], rendered: new Map(), busy: false,
  };
  const $ = (id) => document.getElementById(id);

  // ---- signing and sending, as Slack does -------------------------------------------------------

  async function sign(timestamp, body) {
    if (!window.crypto || !crypto.subtle) {
      throw new Error("WebCrypto is unavailable: open the sandbox as http://localhost:8080/sandbox");
    }
    const enc = new TextEncoder();
    const key = await crypto.subtle.importKey(
      "raw", enc.encode(state.session.signingSecret), { name: "HMAC", hash: "SHA-256" }, false,
      ["sign"]);
    const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`v0:${timestamp}:${body}`));
    return "v0=" + [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function sendToBot(body) {
    try {
      return await sendSigned(body);
    } catch (e) {
      if (e.status !== 401) throw e;
      // Dev mode reloaded the app, and with it the sandbox's signing secret: fetch it again.
      state.session = await api("GET", "/sandbox/api/session");
      return sendSigned(body);
    }
  }

  async function sendSigned(body) {
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const signature = await sign(timestamp, body);
    const response = await fetch("/slack/events", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
      },
      body,
    });
    const text = await response.text();
    if (!response.ok) {
      const error = new Error(`the bot answered HTTP ${response.status}${text ? ": " + text : ""}`);
      error.status = response.status;
      throw error;
    }
    return { type: response.headers.get("Content-Type") || "", text };
  }

  function person(id) {
    return state.session.people.find((p) => p.id === id);
  }

  async function slashCommand(line) {
    const s = state.session;
    const me = person(state.user);
    const space = line.indexOf(" ");
    const command = space < 0 ? line : line.slice(0, space);
    const text = space < 0 ? "" : line.slice(space + 1).trim();
    const form = new URLSearchParams([
      ["token", "sandbox-verification-token"], ["team_id", s.teamId], ["team_domain", s.teamDomain],
      ["channel_id", s.channelId], ["channel_name", s.channelName], ["user_id", me.id],
      ["user_name", me.handle], ["command", command], ["text", text], ["api_app_id", s.appId],
      ["is_enterprise_install", "false"], ["response_url", me.responseUrl],
      ["trigger_id", triggerId()],
    ]);
    const answer = await sendToBot(form.toString());
    // The HTTP answer to a slash command is Slack's ephemeral reply to whoever typed it.
    let reply = { text: answer.text };
    if (answer.type.includes("json") && answer.text) {
      reply = JSON.parse(answer.text);
    }
    if (reply.text || reply.blocks) {
      await api("POST", "/sandbox/api/acks", {
        user: me.id, command: line, text: reply.text || "", blocks: reply.blocks || null,
      });
    }
  }

  async function blockAction(message, action) {
    const s = state.session;
    const me = person(state.user);
    const payload = {
      type: "block_actions",
      user: { id: me.id, username: me.handle, name: me.handle, team_id: s.teamId },
      api_app_id: s.appId,
      token: "sandbox-verification-token",
      container: {
        type: "message", message_ts: message.ts, channel_id: s.channelId,
        is_ephemeral: message.ephemeral,
      },
      trigger_id: triggerId(),
      team: { id: s.teamId, domain: s.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: s.channelId, name: s.channelName },
      message: {
        type: "message", user: s.botUserId, ts: message.ts, text: message.text || "",
        blocks: message.blocks || [],
      },
      state: { values: {} },
      response_url: me.responseUrl,
      actions: [{
        action_id: action.action.action_id, block_id: action.blockId, text: action.action.text,
        value: action.action.value, style: action.action.style, type: "button",
        action_ts: (Date.now() / 1000).toFixed(6),
      }],
    };
    await sendToBot(new URLSearchParams([["payload", JSON.stringify(payload)]]).toString());
  }

  function triggerId() {
    return `${Date.now()}.${Math.floor(Math.random() * 1e6)}`;
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`${method} ${url}: HTTP ${response.status}`);
    }
    return response.status === 204 ? null : response.json();
  }

  function report(error) {
    $("status").textContent = error ? String(error.message || error) : "";
    if (error) console.error(error);
  }

  // ---- mrkdwn ------------------------------------------------------------------------------------

  function decode(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function emoji(text) {
    return text.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI[name] || all);
  }

  function nameOf(id) {
    if (id === state.session.botUserId) return state.session.botName;
    const p = person(id);
    return p ? p.realName : id;
  }

  /** Renders Slack mrkdwn into a fragment of elements and text nodes. */
  function mrkdwn(text) {
    const frag = document.createDocumentFragment();
    const pattern = /```([\s\S]+?)```|`([^`\n]+)`|<([^<>\n]+)>/g;
    let at = 0;
    let m;
    while ((m = pattern.exec(text)) !== null) {
      inline(frag, text.slice(at, m.index));
      if (m[1] !== undefined) frag.append(el("pre", null, decode(m[1])));
      else if (m[2] !== undefined) frag.append(el("code", null, decode(m[2])));
      else frag.append(special(m[3]));
      at = pattern.lastIndex;
    }
    inline(frag, text.slice(at));
    return frag;
  }

  function special(inner) {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? null : decode(inner.slice(bar + 1));
    if (target.startsWith("@")) {
      return el("span", "mention", "@" + (label || nameOf(target.slice(1))));
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      return el("span", "mention",
        "#" + (label || (id === state.session.channelId ? state.session.channelName : id)));
    }
    if (target.startsWith("!date^")) {
      const epoch = Number(target.split("^")[1]);
      if (Number.isFinite(epoch)) {
        const d = new Date(epoch * 1000);
        return document.createTextNode(
          d.toLocaleDateString([], { month: "short", day: "numeric" }) + " at " +
          d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      }
      return document.createTextNode(label || "");
    }
    if (target.startsWith("!")) {
      return el("span", "mention", "@" + (label || target.slice(1)));
    }
    const url = decode(target);
    if (/^https?:\/\//i.test(url) || url.startsWith("/sandbox")) {
      const a = el("a", null, label || url);
      a.href = url;
      if (!url.startsWith("/sandbox")) {
        a.target = "_blank";
        a.rel = "noopener noreferrer";
      }
      return a;
    }
    return document.createTextNode(label || url);
  }

  /** *bold*, _italic_ and ~strike~, only at word boundaries as Slack applies them. */
  function inline(frag, text) {
    const pattern = /(^|[^\w*_~])([*_~])(?=\S)([^\n]*?\S)\2(?![\w*_~])/g;
    let at = 0;
    let m;
    while ((m = pattern.exec(text)) !== null) {
      const start = m.index + m[1].length;
      frag.append(document.createTextNode(emoji(decode(text.slice(at, start)))));
      const tag = { "*": "strong", _: "em", "~": "s" }[m[2]];
      const node = el(tag);
      inline(node, m[3]);
      frag.append(node);
      at = pattern.lastIndex;
    }
    frag.append(document.createTextNode(emoji(decode(text.slice(at)))));
  }

  function textObject(obj) {
    if (!obj) return document.createTextNode("");
    if (obj.type === "mrkdwn") {
      const span = el("span", "mrkdwn");
      span.append(mrkdwn(obj.text || ""));
      return span;
    }
    return el("span", "mrkdwn", emoji(obj.text || ""));
  }

  // ---- Block Kit ---------------------------------------------------------------------------------

  function renderBlocks(message) {
    const box = el("div", "blocks");
    for (const block of message.blocks) {
      const node = el("div", "block block-" + block.type);
      switch (block.type) {
        case "header":
          node.append(textObject(block.text));
          break;
        case "section":
          if (block.text) node.append(textObject(block.text));
          if (block.fields) {
            const fields = el("div", "fields");
            for (const f of block.fields) {
              const field = el("div");
              field.append(textObject(f));
              fields.append(field);
            }
            node.append(fields);
          }
          break;
        case "context":
          node.classList.add("context");
          (block.elements || []).forEach((e) => {
            if (e.type === "image") {
              node.append(el("span", null, e.alt_text || ""));
            } else {
              node.append(textObject(e));
            }
          });
          break;
        case "divider":
          node.append(el("hr", "divider"));
          break;
        case "actions":
          node.classList.add("actions");
          (block.elements || []).forEach((action) => node.append(button(message, block, action)));
          break;
        default:
          node.append(el("span", "unsupported", `[${block.type} block]`));
      }
      box.append(node);
    }
    return box;
  }

  function button(message, block, action) {
    if (action.type !== "button") {
      return el("span", "unsupported", `[${action.type}]`);
    }
    const b = el("button", "button" + (action.style ? " " + action.style : ""));
    b.type = "button";
    b.textContent = emoji(action.text ? action.text.text : action.action_id);
    b.dataset.actionId = action.action_id;
    b.addEventListener("click", async () => {
      if (action.confirm && !(await confirmDialog(action.confirm, action.style))) return;
      b.disabled = true;
      try {
        report(null);
        await blockAction(message, { blockId: block.block_id, action });
        await refresh();
      } catch (e) {
        report(e);
      } finally {
        b.disabled = false;
      }
    });
    return b;
  }

  /** Slack's confirmation dialog: resolves true on confirm, false on deny. */
  function confirmDialog(confirm, style) {
    return new Promise((resolve) => {
      const dialog = $("dialog");
      $("dialog-title").textContent = confirm.title ? confirm.title.text : "Are you sure?";
      const text = $("dialog-text");
      text.replaceChildren(textObject(confirm.text));
      const yes = $("dialog-confirm");
      const no = $("dialog-deny");
      yes.textContent = confirm.confirm ? confirm.confirm.text : "Yes";
      no.textContent = confirm.deny ? confirm.deny.text : "Cancel";
      yes.className = "button dialog-confirm " + (confirm.style || style || "primary");
      const close = (answer) => {
        dialog.hidden = true;
        yes.onclick = null;
        no.onclick = null;
        resolve(answer);
      };
      yes.onclick = () => close(true);
      no.onclick = () => close(false);
      dialog.hidden = false;
      yes.focus();
    });
  }

  // ---- the channel -------------------------------------------------------------------------------

  function avatar(authorId) {
    if (authorId === state.session.botUserId) return el("div", "avatar bot", "R");
    const p = person(authorId);
    return el("div", "avatar " + (p ? p.role : "outsider"), (p ? p.realName : "?").charAt(0));
  }

  function time(ts) {
    const d = new Date(Number(ts.split(".")[0]) * 1000);
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function renderMessage(message, replies) {
    const row = el("div", "message" + (message.ephemeral ? " ephemeral" : ""));
    row.id = "m" + message.ts;
    row.dataset.ts = message.ts;
    row.append(avatar(message.author));
    const content = el("div", "content");
    const head = el("div", "head");
    head.append(el("span", "author", nameOf(message.author)));
    if (message.author === state.session.botUserId) head.append(el("span", "badge", "APP"));
    head.append(el("span", "time", time(message.ts)));
    content.append(head);
    if (message.ephemeral) {
      const note = el("div", "ephemeral-note", "Only visible to you");
      if (message.command) {
        note.append(document.createTextNode(" · you typed "));
        note.append(el("code", null, message.command));
      }
      content.append(note);
    }
    const body = el("div", "body");
    if (message.blocks && message.blocks.length) {
      body.append(renderBlocks(message));
    } else {
      const text = el("div", "mrkdwn");
      text.append(mrkdwn(message.text || ""));
      body.append(text);
    }
    if (message.edits > 0 && message.author !== state.session.botUserId) {
      body.append(el("span", "edited", " (edited)"));
    }
    content.append(body);
    if (replies && replies.length) {
      const thread = el("div", "thread");
      thread.append(el("div", "thread-label",
        replies.length === 1 ? "1 reply" : `${replies.length} replies`));
      replies.forEach((r) => thread.append(renderMessage(r, null)));
      content.append(thread);
    }
    row.append(content);
    return row;
  }

  function render() {
    const box = $("messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const replies = new Map();
    const top = [];
    for (const m of state.messages) {
      if (m.threadTs && m.threadTs !== m.ts) {
        if (!replies.has(m.threadTs)) replies.set(m.threadTs, []);
        replies.get(m.threadTs).push(m);
      } else {
        top.push(m);
      }
    }
    // Unchanged messages keep their elements, so a button is never swapped under the pointer.
    const rendered = new Map();
    const nodes = top.map((m) => {
      const key = JSON.stringify([state.user, m, replies.get(m.ts) || []]);
      const cached = state.rendered.get(m.ts);
      const node = cached && cached.key === key ? cached.node : renderMessage(m, replies.get(m.ts));
      rendered.set(m.ts, { key, node });
      return node;
    });
    state.rendered = rendered;
    if (!nodes.length) {
      nodes.push(el("div", "empty",
        "Nothing here yet. Type /restart payments-api below as Alice, the requester."));
    }
    box.replaceChildren(...nodes);
    if (nearBottom) box.scrollTop = box.scrollHeight;
  }

  async function refresh() {
    const user = state.user;
    const view = await api("GET", "/sandbox/api/messages?user=" + encodeURIComponent(user));
    // A poll sent before a switch of user may answer after it: that view is someone else's
    // (their ephemerals included), and drawing it would stick until the next change.
    if (user !== state.user) return;
    if (view.version !== state.version) {
      state.version = view.version;
      state.messages = view.messages;
      render();
    }
  }

  // ---- people and cluster ------------------------------------------------------------------------

  function renderPeople() {
    const box = $("people");
    box.replaceChildren();
    for (const p of state.session.people) {
      const b = el("button", "person");
      b.type = "button";
      b.setAttribute("role", "radio");
      b.setAttribute("aria-checked", String(p.id === state.user));
      b.dataset.role = p.role;
      b.dataset.user = p.id;
      b.append(el("span", "avatar " + p.role, p.realName.charAt(0)));
      const label = el("span", null, `${p.realName} (${p.role})`);
      label.append(el("small", null, p.about));
      b.append(label);
      b.addEventListener("click", () => switchTo(p.id));
      box.append(b);
    }
  }

  async function switchTo(userId) {
    state.user = userId;
    sessionStorage.setItem("sandbox-user", userId);
    renderPeople();
    const me = person(userId);
    $("composer-input").placeholder = `Message #${state.session.channelName} as ${me.realName}`;
    state.version = -1;
    await refresh().catch(report);
  }

  async function refreshCluster() {
    const picked = $("cluster-pick").value;
    $("cluster-flag").textContent =
      picked === "staging" ? "/restart payments-api" : `/restart payments-api --cluster ${picked}`;
    const workloads = await api("GET", "/sandbox/api/cluster");
    const box = $("cluster");
    box.replaceChildren();
    for (const w of workloads.filter((x) => x.cluster === picked)) {
      const row = el("div", "workload");
      row.dataset.workload = `${w.namespace}/${w.kind}/${w.name}`;
      row.append(el("span", "name", w.name));
      if (w.kind === "Deployment") {
        const label = el("label");
        const box2 = el("input");
        box2.type = "checkbox";
        box2.checked = w.failing;
        box2.addEventListener("change", () =>
          api("PUT", `/sandbox/api/cluster/${w.namespace}/deployments/${w.name}/failing` +
            `?cluster=${encodeURIComponent(w.cluster)}`,
            { failing: box2.checked }).then(refreshCluster).catch(report));
        label.append(box2, document.createTextNode(" fails"));
        row.append(label);
      } else {
        row.append(el("span"));
      }
      const rolling = w.observedGeneration < w.generation || w.updated < w.desired
        || w.ready < w.desired;
      row.append(el("span", "meta" + (rolling ? " rolling" : ""),
        `${w.kind.toLowerCase()} · ${w.namespace} · ${w.ready}/${w.desired} ready` +
        (rolling ? " · rolling out" : "")));
      box.append(row);
    }
  }

  // ---- the bot's own figures, from /q/metrics ----------------------------------------------------

  // Requests made, pending approvals (the store's figure) and restarts by outcome.
  function figuresOf(exposition) {
    const figures = { requests: 0, pending: 0, restarts: {} };
    for (const line of exposition.split("\n")) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const [, name, labels = "", text] = m;
      const value = Number(text);
      if (name === "restartbot_requests_total" && /step="requested"/.test(labels)) {
        figures.requests += value;
      } else if (name === "restartbot_requests_pending" && !Number.isNaN(value)) {
        figures.pending = value;
      } else if (name === "restartbot_restarts_total") {
        const outcome = /outcome="([^"]*)"/.exec(labels);
        if (outcome) figures.restarts[outcome[1]] = (figures.restarts[outcome[1]] || 0) + value;
      }
    }
    return figures;
  }

  async function refreshMetrics() {
    const response = await fetch("/q/metrics");
    if (!response.ok) throw new Error(`/q/metrics answered ${response.status}`);
    const figures = figuresOf(await response.text());
    const box = $("metrics");
    box.replaceChildren();
    const figure = (key, label, value) => {
      const row = el("div", "figure");
      row.dataset.figure = key;
      row.append(el("dt", null, label), el("dd", null, String(value)));
      box.append(row);
    };
    figure("requests", "Requests", figures.requests);
    figure("pending", "Pending approvals", figures.pending);
    for (const outcome of Object.keys(figures.restarts).sort()) {
      figure(`restarts-${outcome}`, `Restarts ${outcome.replace(/_/g, " ")}`,
        figures.restarts[outcome]);
    }
  }

  // ---- start ---------------------------------------------------------------------------------------

  async function onSubmit(event) {
    event.preventDefault();
    const input = $("composer-input");
    const line = input.value.trim();
    if (!line || state.busy) return;
    if (!line.startsWith("/")) {
      report(new Error("The bot only listens to slash commands here: try /restart help"));
      return;
    }
    state.busy = true;
    try {
      report(null);
      if (!/^\/restart(\s|$)/.test(line)) {
        throw new Error(`${line.split(/\s/)[0]} is not a command of this app: try /restart help`);
      }
      await slashCommand(line);
      input.value = "";
      await refresh();
    } catch (e) {
      report(e);
    } finally {
      state.busy = false;
    }
  }

  async function start() {
    state.session = await api("GET", "/sandbox/api/session");
    $("channel-name").textContent = state.session.channelName;
    $("channel-title").textContent = "# " + state.session.channelName;
    const saved = sessionStorage.getItem("sandbox-user");
    await switchTo(person(saved) ? saved : state.session.people[0].id);
    $("composer").addEventListener("submit", onSubmit);
    setInterval(() => refresh().catch(report), POLL_MS);
    $("cluster-pick").addEventListener("change", () => refreshCluster().catch(report));
    refreshCluster().catch(report);
    setInterval(() => refreshCluster().catch(report), CLUSTER_POLL_MS);
    refreshMetrics().catch(report);
    setInterval(() => refreshMetrics().catch(report), CLUSTER_POLL_MS);
    document.body.dataset.ready = "true";
  }

  start().catch(report);
})();
