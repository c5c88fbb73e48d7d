// The sandbox page: plays Slack for restart-bot. It sends the bot what Slack sends (form-encoded
// slash commands, shortcuts and interactivity payloads, Events API callbacks as JSON, all signed
// with the v0 HMAC-SHA256 scheme) to /slack/events, and shows what the bot writes through the
// sandbox's fake Web API: the channel, the modal it opens and each person's Home tab.
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
    // The person's views as the bot left them (SandboxViews), and what the page shows of them.
    views: { version: -1, modal: null, home: null }, modal: null, pane: "channel",
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

  async function sendToBot(body, type = "application/x-www-form-urlencoded") {
    try {
      return await sendSigned(body, type);
    } catch (e) {
      if (e.status !== 401) throw e;
      // Dev mode reloaded the app, and with it the sandbox's signing secret: fetch it again.
      state.session = await api("GET", "/sandbox/api/session");
      return sendSigned(body, type);
    }
  }

  /** An interactivity payload, posted as Slack posts it: payload=<json>, form-encoded. */
  function sendPayload(payload) {
    return sendToBot(new URLSearchParams([["payload", JSON.stringify(payload)]]).toString());
  }

  async function sendSigned(body, type) {
    const timestamp = Math.floor(Date.now() / 1000).toString();
    const signature = await sign(timestamp, body);
    const response = await fetch("/slack/events", {
      method: "POST",
      headers: {
        "Content-Type": type,
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
      ["trigger_id", await triggerId()],
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
      trigger_id: await triggerId(),
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
    await sendPayload(payload);
  }

  /** Slack hands the app a trigger id with each command, shortcut and click: the sandbox does. */
  async function triggerId() {
    return (await api("POST", "/sandbox/api/triggers", { user: state.user })).triggerId;
  }

  /** The fields every interactivity payload carries about who and where. */
  function who() {
    const s = state.session;
    const me = person(state.user);
    return {
      user: { id: me.id, username: me.handle, name: me.handle, team_id: s.teamId },
      api_app_id: s.appId,
      token: "sandbox-verification-token",
      team: { id: s.teamId, domain: s.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const error = new Error(`${method} ${url}: HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  function report(error) {
    for (const id of ["status", "home-status"]) {
      $(id).textContent = error ? String(error.message || error) : "";
    }
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

  /** Renders Slack mrkdwn into a fragment of elements and text nodes; "> " lines are quotes. */
  function mrkdwn(text) {
    const frag = document.createDocumentFragment();
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const quoted = /^(>|&gt;) ?/.exec(lines[i]);
      if (quoted) {
        const quote = el("blockquote", "quote");
        quote.append(spans(lines[i].slice(quoted[0].length)));
        frag.append(quote);
      } else {
        frag.append(spans(lines[i] + (i < lines.length - 1 && !/^(>|&gt;)/.test(lines[i + 1])
          ? "\n" : "")));
      }
    }
    return frag;
  }

  function spans(text) {
    const frag = document.createDocumentFragment();
    // A bold mention, *<@U…>*, is bold as a whole: the mention is no text to look into.
    const pattern = /```([\s\S]+?)```|`([^`\n]+)`|\*<([^<>\n]+)>\*|<([^<>\n]+)>/g;
    let at = 0;
    let m;
    while ((m = pattern.exec(text)) !== null) {
      inline(frag, text.slice(at, m.index));
      if (m[1] !== undefined) frag.append(el("pre", null, decode(m[1])));
      else if (m[2] !== undefined) frag.append(el("code", null, decode(m[2])));
      else if (m[3] !== undefined) {
        const bold = el("strong");
        bold.append(special(m[3]));
        frag.append(bold);
      } else frag.append(special(m[4]));
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

  /** Block Kit blocks; act(block, action) sends a click on one of their buttons to the bot. */
  function renderBlocks(blocks, act) {
    const box = el("div", "blocks");
    for (const block of blocks) {
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
          (block.elements || []).forEach((action) => node.append(button(block, action, act)));
          break;
        default:
          node.append(el("span", "unsupported", `[${block.type} block]`));
      }
      box.append(node);
    }
    return box;
  }

  function button(block, action, act) {
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
        await act(block, action);
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
      body.append(renderBlocks(message.blocks,
        (block, action) => blockAction(message, { blockId: block.block_id, action })));
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
    // Whose channel this is: after a switch of person, the one drawn for them (tests wait on it).
    box.dataset.user = state.user;
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

  // ---- the modal ---------------------------------------------------------------------------------

  // Slack keeps a modal's inputs in view.state.values[block_id][action_id], shaped per element.
  const EMPTY_VALUE = {
    static_select: () => ({ selected_option: null }),
    multi_external_select: () => ({ selected_options: [] }),
    plain_text_input: () => ({ value: null }),
    conversations_select: () => ({ selected_conversation: null }),
  };

  /** The global shortcut, as Slack sends it when someone picks it from the shortcuts menu. */
  async function shortcut() {
    await sendPayload({
      type: "shortcut", callback_id: "restart_shortcut", trigger_id: await triggerId(),
      action_ts: (Date.now() / 1000).toFixed(6), ...who(),
    });
  }

  /** The open modal's view as Slack sends it back to the app: with its state. */
  function viewWithState() {
    const m = state.modal;
    const values = {};
    for (const [blockId, byAction] of Object.entries(m.values)) {
      values[blockId] = {};
      for (const [actionId, value] of Object.entries(byAction)) {
        values[blockId][actionId] = { ...value };
      }
    }
    const s = state.session;
    return {
      id: m.view.id, team_id: s.teamId, type: "modal", blocks: m.view.blocks,
      private_metadata: m.view.private_metadata || "", callback_id: m.view.callback_id || "",
      state: { values }, hash: m.view.hash || `${Date.now()}.sandbox`, title: m.view.title,
      clear_on_close: false, notify_on_close: false, close: m.view.close || null,
      submit: m.view.submit || null, previous_view_id: null, root_view_id: m.view.id,
      app_id: s.appId, external_id: "", app_installed_team_id: s.teamId, bot_id: s.botUserId,
    };
  }

  /** Loads the options of an external select from the bot, as Slack does while one types. */
  async function suggest(blockId, actionId, typed) {
    const payload = {
      type: "block_suggestion", action_id: actionId, block_id: blockId, value: typed,
      container: { type: "view", view_id: state.modal.view.id }, view: viewWithState(), ...who(),
    };
    const answer = await sendPayload(payload);
    const options = answer.text ? JSON.parse(answer.text) : {};
    const verdict = await api("POST", "/sandbox/api/options", options);
    if (verdict.refused.length) {
      throw new Error("Slack would refuse these options: " + verdict.refused.join("; "));
    }
    return options.options || [];
  }

  async function submitModal(event) {
    event.preventDefault();
    const m = state.modal;
    if (!m || m.sending) return;
    m.sending = true;
    $("modal-submit").disabled = true;
    try {
      report(null);
      showErrors({});
      const answer = await sendPayload({
        type: "view_submission", trigger_id: await triggerId(), view: viewWithState(),
        response_urls: [], ...who(),
      });
      const body = answer.text && answer.type.includes("json") ? JSON.parse(answer.text) : {};
      const verdict = await api("POST", `/sandbox/api/views/${encodeURIComponent(m.view.id)}/answer`,
        { user: state.user, answer: body });
      if (verdict.refused.length) {
        showErrors({}, "We had some trouble connecting. Try again?");
        throw new Error("Slack would refuse the bot's answer: " + verdict.refused.join("; "));
      }
      if (verdict.applied === "ERRORS") showErrors(body.errors);
      await refreshViews();
    } catch (e) {
      report(e);
    } finally {
      m.sending = false;
      $("modal-submit").disabled = false;
    }
  }

  async function closeModal() {
    const m = state.modal;
    if (!m) return;
    try {
      await api("DELETE", `/sandbox/api/views/${encodeURIComponent(m.view.id)}?user=` +
        encodeURIComponent(state.user));
    } catch (e) {
      if (e.status !== 404) report(e);
    }
    await refreshViews().catch(report);
  }

  /** Errors by block id under their fields; a note for the whole modal, if any. */
  function showErrors(errors, note) {
    for (const box of document.querySelectorAll("#modal .field-error")) {
      box.textContent = (errors && errors[box.dataset.blockId]) || "";
    }
    $("modal-note").textContent = note || "";
  }

  function renderModal(view) {
    const backdrop = $("modal");
    if (!view) {
      state.modal = null;
      backdrop.hidden = true;
      return;
    }
    const key = JSON.stringify(view);
    // Redrawn only when the bot changed the view: what the person typed stays otherwise.
    if (state.modal && state.modal.key === key) return;
    state.modal = { view, key, values: {}, sending: false };
    $("modal-title").textContent = view.title ? view.title.text : "";
    $("modal-submit").textContent = view.submit ? view.submit.text : "";
    $("modal-submit").hidden = !view.submit;
    $("modal-close").textContent = view.close ? view.close.text : "Cancel";
    $("modal-note").textContent = "";
    const box = $("modal-blocks");
    box.replaceChildren();
    for (const block of view.blocks || []) {
      box.append(block.type === "input" ? field(block) : renderBlocks([block], async () => {}));
    }
    backdrop.hidden = false;
  }

  /** An input block: its label, its element, its hint and the place for its error. */
  function field(block) {
    const e = block.element;
    const node = el("div", "field");
    node.dataset.blockId = block.block_id;
    const error = el("div", "field-error");
    error.dataset.blockId = block.block_id;
    const label = el("label", "field-label", block.label ? block.label.text : "");
    if (block.optional) label.append(el("span", "muted", " (optional)"));
    node.append(label);
    const make = EMPTY_VALUE[e.type];
    if (!make) {
      node.append(el("span", "unsupported", `[${e.type}]`));
      return node;
    }
    const value = { type: e.type, ...make() };
    state.modal.values[block.block_id] = { [e.action_id]: value };
    // As in Slack, a field's error goes once the person changes what it holds.
    node.addEventListener("input", () => { error.textContent = ""; });
    node.addEventListener("change", () => { error.textContent = ""; });
    node.addEventListener("click", (ev) => {
      if (ev.target.closest(".suggestion, .chip-remove")) error.textContent = "";
    });
    node.append({
      static_select: staticSelect, conversations_select: conversationsSelect,
      plain_text_input: textInput, multi_external_select: externalSelect,
    }[e.type](block, e, value));
    if (block.hint) node.append(el("div", "field-hint", block.hint.text));
    node.append(error);
    return node;
  }

  function select(e, options, selected, onChange) {
    const s = el("select");
    s.dataset.actionId = e.action_id;
    const none = el("option", null, e.placeholder ? e.placeholder.text : "Select an item");
    none.value = "";
    s.append(none);
    for (const o of options) {
      const option = el("option", null, o.text.text);
      option.value = o.value;
      s.append(option);
    }
    s.value = selected || "";
    s.addEventListener("change", () => onChange(s.value));
    return s;
  }

  function staticSelect(block, e, value) {
    const options = e.options || [];
    const pick = (v) => {
      const o = options.find((x) => x.value === v);
      value.selected_option = o ? { text: o.text, value: o.value } : null;
    };
    pick(e.initial_option ? e.initial_option.value : "");
    return select(e, options, value.selected_option && value.selected_option.value, pick);
  }

  function conversationsSelect(block, e, value) {
    const s = state.session;
    const options = [{ text: { type: "plain_text", text: "#" + s.channelName }, value: s.channelId }];
    return select(e, options, null, (v) => { value.selected_conversation = v || null; });
  }

  function textInput(block, e, value) {
    const input = el(e.multiline ? "textarea" : "input");
    input.dataset.actionId = e.action_id;
    if (e.placeholder) input.placeholder = e.placeholder.text;
    if (e.max_length) input.maxLength = e.max_length;
    input.addEventListener("input", () => { value.value = input.value === "" ? null : input.value; });
    return input;
  }

  /** A multi-select whose options the bot gives as the person types (block_suggestion). */
  function externalSelect(block, e, value) {
    const box = el("div", "external-select");
    box.dataset.actionId = e.action_id;
    const chips = el("div", "chips");
    const input = el("input");
    input.type = "text";
    input.placeholder = e.placeholder ? e.placeholder.text : "";
    const list = el("ul", "suggestions");
    list.hidden = true;
    const drawChips = () => {
      chips.replaceChildren(...value.selected_options.map((o) => {
        const chip = el("span", "chip", o.text.text);
        chip.dataset.value = o.value;
        const remove = el("button", "chip-remove", "\u00D7");
        remove.type = "button";
        remove.setAttribute("aria-label", "Remove " + o.text.text);
        remove.addEventListener("click", () => {
          value.selected_options = value.selected_options.filter((x) => x.value !== o.value);
          drawChips();
        });
        chip.append(remove);
        return chip;
      }));
    };
    let asked = 0;
    const load = async () => {
      const typed = input.value;
      if (typed.length < (e.min_query_length === undefined ? 3 : e.min_query_length)) return;
      const mine = ++asked;
      let options;
      try {
        options = await suggest(block.block_id, e.action_id, typed);
      } catch (err) {
        report(err);
        options = [];
      }
      // A later keystroke asked again, or the picker lost focus: this answer is stale.
      if (mine !== asked || document.activeElement !== input) return;
      list.replaceChildren(...(options.length ? options.map((o) => {
        const item = el("li", "suggestion", o.text.text);
        item.dataset.value = o.value;
        item.addEventListener("mousedown", (ev) => {
          ev.preventDefault();
          const max = e.max_selected_items || Infinity;
          if (!value.selected_options.some((x) => x.value === o.value)
            && value.selected_options.length < max) {
            value.selected_options.push({ text: o.text, value: o.value });
          }
          input.value = "";
          asked++;
          list.hidden = true;
          drawChips();
        });
        return item;
      }) : [el("li", "no-results", "No results")]));
      list.hidden = false;
    };
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => load().catch(report), 250);
    });
    input.addEventListener("focus", () => load().catch(report));
    input.addEventListener("blur", () => {
      asked++;
      list.hidden = true;
    });
    box.append(chips, input, list);
    return box;
  }

  // ---- App Home ----------------------------------------------------------------------------------

  /** What Slack sends when someone opens the app's Home tab: an Events API callback, as JSON. */
  async function homeOpened() {
    const s = state.session;
    const now = Date.now() / 1000;
    const envelope = {
      token: "sandbox-verification-token", team_id: s.teamId, api_app_id: s.appId,
      event: {
        type: "app_home_opened", user: state.user, channel: "D" + state.user.slice(1), tab: "home",
        event_ts: now.toFixed(6),
      },
      type: "event_callback", event_id: "Ev" + Math.floor(now * 1000).toString(36).toUpperCase(),
      event_time: Math.floor(now),
      authorizations: [{
        enterprise_id: null, team_id: s.teamId, user_id: s.botUserId, is_bot: true,
        is_enterprise_install: false,
      }],
      is_ext_shared_channel: false,
    };
    if (state.views.home) envelope.event.view = state.views.home;
    await sendToBot(JSON.stringify(envelope), "application/json");
  }

  /** A click on a button of the Home tab: from a view, with no channel and no message. */
  async function homeAction(view, block, action) {
    const s = state.session;
    await sendPayload({
      type: "block_actions", container: { type: "view", view_id: view.id },
      trigger_id: await triggerId(),
      view: {
        id: view.id, team_id: s.teamId, type: "home", blocks: view.blocks,
        private_metadata: view.private_metadata || "", callback_id: view.callback_id || "",
        state: { values: {} }, hash: view.hash || `${Date.now()}.sandbox`, title: null,
        previous_view_id: null, root_view_id: view.id, app_id: s.appId, external_id: "",
        app_installed_team_id: s.teamId, bot_id: s.botUserId,
      },
      actions: [{
        action_id: action.action_id, block_id: block.block_id, text: action.text,
        value: action.value, style: action.style, type: "button",
        action_ts: (Date.now() / 1000).toFixed(6),
      }],
      ...who(),
    });
    await refreshViews();
  }

  function renderHome(view) {
    const box = $("home-blocks");
    const key = JSON.stringify([state.user, view]);
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    box.replaceChildren(view
      ? renderBlocks(view.blocks || [], (block, action) => homeAction(view, block, action))
      : el("div", "empty", "Opening the Home tab\u2026"));
  }

  async function showPane(pane) {
    state.pane = pane;
    $("channel-pane").hidden = pane !== "channel";
    $("home-pane").hidden = pane !== "home";
    $("channel-link").classList.toggle("active", pane === "channel");
    $("home-link").classList.toggle("active", pane === "home");
    if (pane === "home") {
      renderHome(state.views.home);
      await homeOpened();
    }
  }

  async function refreshViews() {
    const user = state.user;
    const views = await api("GET", "/sandbox/api/views?user=" + encodeURIComponent(user));
    if (user !== state.user || views.version === state.views.version) return;
    state.views = views;
    renderModal(views.modal);
    renderHome(views.home);
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
    state.views = { version: -1, modal: null, home: null };
    renderModal(null);
    renderHome(null);
    await refresh().catch(report);
    await refreshViews().catch(report);
    if (state.pane === "home") await homeOpened().catch(report);
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
      await refreshViews();
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
    $("shortcut").addEventListener("click", () => shortcut().then(refreshViews).catch(report));
    $("modal-form").addEventListener("submit", submitModal);
    $("modal-close").addEventListener("click", closeModal);
    $("channel-link").addEventListener("click", () => showPane("channel").catch(report));
    $("home-link").addEventListener("click", () => showPane("home").catch(report));
    setInterval(() => refresh().catch(report), POLL_MS);
    setInterval(() => refreshViews().catch(report), POLL_MS);
    $("cluster-pick").addEventListener("change", () => refreshCluster().catch(report));
    refreshCluster().catch(report);
    setInterval(() => refreshCluster().catch(report), CLUSTER_POLL_MS);
    refreshMetrics().catch(report);
    setInterval(() => refreshMetrics().catch(report), CLUSTER_POLL_MS);
    document.body.dataset.ready = "true";
  }

  start().catch(report);
})();
