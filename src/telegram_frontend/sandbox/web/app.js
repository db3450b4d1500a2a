// The sandbox web chat: one user's private chat with the bot, over the emulator's /sandbox/ API.
//
// Safety rule: nothing the bot or a user wrote is ever parsed as HTML. Messages are rebuilt from
// their plain text and Telegram entities with DOM nodes (textContent), and links are allowed only
// for http(s) and mailto. Vanilla JS, no build step, no third-party code.
"use strict";

(() => {
  const POLL_TIMEOUT_S = 25;
  const ANSWER_TIMEOUT_S = 15;
  const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
  const COMMAND_IN_TEXT = /(^|[\s(])(\/[A-Za-z0-9_]{1,32})(?=$|[\s.,;:!?)])/g;

  const $ = (id) => document.getElementById(id);
  const view = {
    messages: $("messages"),
    empty: $("empty"),
    status: $("status"),
    botName: $("bot-name"),
    user: $("user"),
    otherUser: $("other-user"),
    language: $("language"),
    composer: $("composer"),
    text: $("text"),
    menu: $("menu"),
    commands: $("commands"),
    replyKeyboard: $("reply-keyboard"),
    toast: $("toast"),
    faultForm: $("backend-fault"),
    faultService: $("fault-service"),
    faultKind: $("fault-kind"),
  };

  const state = {
    users: [],
    botUsername: "",
    userId: null,
    revision: 0,
    generation: 0,
    abort: null,
    messages: new Map(), // message_id -> the control API's message object
  };

  // -- the control API ------------------------------------------------------------------------

  class ApiError extends Error {}

  async function request(method, path, body, signal) {
    const init = { method, signal, headers: {} };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const reason = data && data.error ? data.error : `HTTP ${response.status}`;
      throw new ApiError(reason);
    }
    return data;
  }

  const api = {
    users: () => request("GET", "/sandbox/web/users.json"),
    commands: () => request("GET", "/sandbox/commands"),
    messages: (chatId, afterRevision, signal) => {
      const query = afterRevision === null
        ? ""
        : `?after_revision=${afterRevision}&timeout=${POLL_TIMEOUT_S}`;
      return request("GET", `/sandbox/chats/${chatId}/messages${query}`, undefined, signal);
    },
    send: (userId, body) => request("POST", `/sandbox/users/${userId}/messages`, body),
    press: (userId, body) => request("POST", `/sandbox/users/${userId}/callbacks`, body),
    backendFault: (service, fault) => request("POST", "/sandbox/faults", { service, fault }),
    answer: (callbackId) =>
      request("GET", `/sandbox/callbacks/${encodeURIComponent(callbackId)}?timeout=${ANSWER_TIMEOUT_S}`),
  };

  // -- small helpers --------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(raw) {
    if (typeof raw !== "string" || raw === "") return null;
    try {
      const url = new URL(raw, window.location.href);
      return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function link(href, className) {
    const anchor = el("a", className);
    anchor.href = href;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    return anchor;
  }

  function fileUrl(fileId) {
    return `/sandbox/files/${encodeURIComponent(fileId)}`;
  }

  function clock(unixSeconds) {
    const date = new Date(unixSeconds * 1000);
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  let toastTimer = null;
  function toast(text, { alert = false, error = false } = {}) {
    view.toast.textContent = text;
    view.toast.className = "toast" + (alert ? " alert" : "") + (error ? " error" : "");
    view.toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { view.toast.hidden = true; }, alert ? 8000 : 3500);
  }
  view.toast.addEventListener("click", () => { view.toast.hidden = true; });

  function setStatus(text, online) {
    view.status.textContent = text;
    view.status.classList.toggle("online", Boolean(online));
  }

  function currentUser() {
    return state.users.find((user) => user.id === state.userId) || { id: state.userId, name: "User" };
  }

  // -- text with entities --------------------------------------------------------------------

  // Plain text, with bare /commands in bot messages made clickable as Telegram does.
  function appendPlain(parent, text, commandsClickable) {
    if (!commandsClickable) {
      parent.append(document.createTextNode(text));
      return;
    }
    let last = 0;
    for (const match of text.matchAll(COMMAND_IN_TEXT)) {
      const start = match.index + match[1].length;
      parent.append(document.createTextNode(text.slice(last, start)));
      parent.append(commandLink(match[2]));
      last = start + match[2].length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function commandLink(command) {
    const anchor = el("a", "command", command);
    anchor.href = "#";
    anchor.addEventListener("click", (event) => {
      event.preventDefault();
      sendText(command.split("@")[0]);
    });
    return anchor;
  }

  function entityElement(entity, covered) {
    switch (entity.type) {
      case "bold": return el("b");
      case "italic": return el("i");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "code": return el("code");
      case "pre": {
        const pre = el("pre");
        if (entity.language) pre.dataset.language = entity.language;
        return pre;
      }
      case "spoiler": {
        const span = el("span", "spoiler");
        span.title = "spoiler: click to show";
        span.addEventListener("click", () => span.classList.add("revealed"));
        return span;
      }
      case "blockquote": return el("blockquote");
      case "expandable_blockquote": {
        const quote = el("blockquote", "expandable");
        quote.addEventListener("click", () => quote.classList.toggle("expanded"));
        return quote;
      }
      case "text_link": case "url": case "email": {
        const target = entity.type === "text_link" ? entity.url
          : entity.type === "email" ? `mailto:${covered}`
          : (/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `http://${covered}`);
        const href = safeUrl(target);
        if (!href) return el("span", "unsafe-link");
        const anchor = link(href);
        anchor.title = href;
        return anchor;
      }
      case "bot_command": return el("span", "command");
      case "mention": case "text_mention": case "hashtag": case "cashtag":
        return el("span", "mention");
      default: return el("span");
    }
  }

  // Entities nest (bold inside a link, code inside a quote); offsets are UTF-16 units, which is
  // exactly how JavaScript indexes strings. A child that pokes out of its parent is clipped.
  function renderRange(parent, text, start, end, entities, commandsClickable) {
    let position = start;
    let index = 0;
    while (index < entities.length) {
      const entity = entities[index];
      const entityStart = Math.max(entity.offset, position);
      const entityEnd = Math.min(entity.offset + entity.length, end);
      let next = index + 1;
      const children = [];
      while (next < entities.length && entities[next].offset < entity.offset + entity.length) {
        children.push(entities[next]);
        next += 1;
      }
      index = next;
      if (entityEnd <= entityStart) continue;
      if (entityStart > position) {
        appendPlain(parent, text.slice(position, entityStart), commandsClickable);
      }
      const node = entityElement(entity, text.slice(entityStart, entityEnd));
      const verbatim = ["code", "pre", "text_link", "url", "email", "bot_command"].includes(entity.type);
      const target = node.tagName === "PRE" ? node.appendChild(el("code")) : node;
      const clipped = children
        .map((child) => {
          const offset = Math.max(child.offset, entityStart);
          return { ...child, offset, length: child.offset + child.length - offset };
        })
        .filter((child) => child.offset < entityEnd);
      renderRange(target, text, entityStart, entityEnd, clipped, commandsClickable && !verbatim);
      parent.append(node);
      position = entityEnd;
      // Telegram shows a block (code block, quote) on its own lines: the line break right after
      // it is part of the text but not an extra empty line. Kept in the DOM, hidden.
      if ((node.tagName === "PRE" || node.tagName === "BLOCKQUOTE") && text[position] === "\n"
          && position < end) {
        parent.append(el("span", "after-block", "\n"));
        position += 1;
      }
    }
    if (position < end) appendPlain(parent, text.slice(position, end), commandsClickable);
  }

  function renderText(text, entities, commandsClickable) {
    const body = el("div", "text");
    const sorted = (entities || [])
      .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    renderRange(body, text, 0, text.length, sorted, commandsClickable);
    return body;
  }

  // -- messages ------------------------------------------------------------------------------

  function renderMedia(message, bubble) {
    if (Array.isArray(message.photo) && message.photo.length > 0) {
      const largest = message.photo[message.photo.length - 1];
      const image = el("img", "photo");
      image.alt = "photo";
      image.loading = "lazy";
      image.src = fileUrl(largest.file_id);
      image.addEventListener("click", () => image.classList.toggle("zoomed"));
      image.addEventListener("load", () => keepAtBottomIfNear());
      bubble.append(image);
    }
    if (message.document && message.document.file_id) {
      const doc = message.document;
      const anchor = el("a", "document");
      anchor.href = fileUrl(doc.file_id);
      anchor.download = doc.file_name || "file";
      anchor.append(el("span", "document-icon", "⇩"));
      const label = el("span", "document-label");
      label.append(el("span", "document-name", doc.file_name || "document"));
      const size = doc.file_size ? ` · ${(doc.file_size / 1024).toFixed(1)} KB` : "";
      label.append(el("span", "document-meta", `${doc.mime_type || "file"}${size}`));
      anchor.append(label);
      bubble.append(anchor);
    }
  }

  function renderReplyQuote(message, bubble) {
    if (!message.reply_to_message_id) return;
    const quoted = state.messages.get(message.reply_to_message_id);
    const quote = el("div", "reply-quote");
    quote.append(el("div", "reply-author", quoted && quoted.from_bot ? view.botName.textContent : "You"));
    const snippet = quoted ? (quoted.text || quoted.caption || (quoted.photo ? "Photo" : "Message")) : "Message";
    quote.append(el("div", "reply-text", snippet.split("\n")[0]));
    bubble.append(quote);
  }

  function renderKeyboard(message) {
    const rows = message.reply_markup && message.reply_markup.inline_keyboard;
    if (!Array.isArray(rows) || rows.length === 0) return null;
    const keyboard = el("div", "keyboard");
    for (const row of rows) {
      const line = el("div", "keyboard-row");
      for (const button of row) line.append(renderButton(message, button));
      keyboard.append(line);
    }
    return keyboard;
  }

  function renderButton(message, button) {
    const label = button.text || "";
    const url = button.url || (button.login_url && button.login_url.url);
    if (url) {
      const href = safeUrl(url);
      const anchor = href ? link(href, "inline-button url") : el("span", "inline-button disabled");
      anchor.textContent = label;
      anchor.append(el("span", "corner", "↗"));
      if (href) anchor.title = href;
      return anchor;
    }
    const node = el("button", "inline-button", label);
    node.type = "button";
    if (typeof button.callback_data === "string") {
      node.dataset.callbackData = button.callback_data;
      node.addEventListener("click", () => pressButton(message, button.callback_data, node));
    } else if (button.copy_text && typeof button.copy_text.text === "string") {
      node.addEventListener("click", () => copyText(button.copy_text.text));
    } else {
      node.disabled = true;
      node.title = "This kind of button does nothing in the sandbox.";
    }
    return node;
  }

  function renderMessage(message) {
    const row = el("div", `message ${message.from_bot ? "incoming" : "outgoing"}`);
    row.dataset.messageId = String(message.message_id);
    row.dataset.revision = String(message.revision);
    const bubble = el("div", "bubble");
    renderReplyQuote(message, bubble);
    renderMedia(message, bubble);
    const text = message.text ?? message.caption ?? "";
    if (text) bubble.append(renderText(text, message.entities, message.from_bot));
    const meta = el("div", "meta");
    if (message.edited) meta.append(el("span", "edited", "edited"));
    const time = el("time", null, clock(message.date));
    time.dateTime = new Date(message.date * 1000).toISOString();
    meta.append(time);
    bubble.append(meta);
    row.append(bubble);
    const keyboard = renderKeyboard(message);
    if (keyboard) row.append(keyboard);
    return row;
  }

  function nearBottom() {
    const box = view.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function keepAtBottomIfNear() {
    if (nearBottom()) view.messages.scrollTop = view.messages.scrollHeight;
  }

  // Apply a full snapshot of the chat: edits replace their message in place, new ones are added
  // in order, deleted ones disappear.
  function applySnapshot(snapshot) {
    const stick = nearBottom() || state.messages.size === 0;
    const incoming = new Map(snapshot.messages.map((m) => [m.message_id, m]));
    for (const id of state.messages.keys()) {
      if (!incoming.has(id)) {
        const gone = view.messages.querySelector(`[data-message-id="${id}"]`);
        if (gone) gone.remove();
      }
    }
    let previous = null;
    for (const message of snapshot.messages) {
      const known = state.messages.get(message.message_id);
      let node = view.messages.querySelector(`[data-message-id="${message.message_id}"]`);
      if (!node || !known || known.revision !== message.revision) {
        state.messages.set(message.message_id, message);
        const fresh = renderMessage(message);
        if (node) node.replaceWith(fresh);
        else if (previous) previous.after(fresh);
        else view.messages.prepend(fresh);
        node = fresh;
      }
      previous = node;
    }
    for (const id of [...state.messages.keys()]) if (!incoming.has(id)) state.messages.delete(id);
    state.revision = snapshot.revision;
    view.empty.hidden = snapshot.messages.length > 0;
    renderReplyKeyboard(snapshot.messages);
    if (stick) view.messages.scrollTop = view.messages.scrollHeight;
  }

  // A reply keyboard stays until the bot removes it or sends another one.
  function renderReplyKeyboard(messages) {
    view.replyKeyboard.replaceChildren();
    const last = [...messages].reverse().find((m) => m.from_bot && m.reply_markup
      && (m.reply_markup.keyboard || m.reply_markup.remove_keyboard));
    const rows = last && last.reply_markup.keyboard;
    view.replyKeyboard.hidden = !Array.isArray(rows);
    if (!Array.isArray(rows)) return;
    for (const row of rows) {
      const line = el("div", "keyboard-row");
      for (const button of row) {
        const label = typeof button === "string" ? button : button.text;
        const node = el("button", "reply-button", label);
        node.type = "button";
        node.addEventListener("click", () => sendText(label));
        line.append(node);
      }
      view.replyKeyboard.append(line);
    }
  }

  // -- actions -------------------------------------------------------------------------------

  async function sendText(text) {
    const trimmed = text.trim();
    if (!trimmed || state.userId === null) return;
    const body = { text: trimmed, first_name: currentUser().name };
    if (view.language.value) body.language_code = view.language.value;
    try {
      await api.send(state.userId, body);
      closeCommands();
    } catch (error) {
      toast(`Not sent: ${error.message}`, { error: true });
    }
  }

  async function pressButton(message, data, node) {
    node.classList.add("busy");
    node.disabled = true;
    try {
      const body = { message_id: message.message_id, data, first_name: currentUser().name };
      if (view.language.value) body.language_code = view.language.value;
      const pressed = await api.press(state.userId, body);
      const answer = await api.answer(pressed.callback_query_id);
      if (!answer.answered) toast("The bot did not answer the button press.", { error: true });
      else if (answer.text) toast(answer.text, { alert: Boolean(answer.show_alert) });
      const href = safeUrl(answer.url);
      if (href) window.open(href, "_blank", "noopener,noreferrer");
    } catch (error) {
      toast(`Button press failed: ${error.message}`, { error: true });
    } finally {
      node.classList.remove("busy");
      node.disabled = false;
    }
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      toast("Copied to the clipboard.");
    } catch (_) {
      toast(text);
    }
  }

  // -- the bot's command menu ----------------------------------------------------------------

  // Telegram's order: this chat (user's language, then any), all private chats, then default.
  function menuFor(sets, chatId, language) {
    const matches = (scope) => (set) => scope(set.scope) && (set.language_code || "") === language;
    const scopes = [
      (s) => s.type === "chat" && s.chat_id === chatId,
      (s) => s.type === "all_private_chats",
      (s) => s.type === "default",
    ];
    for (const scope of scopes) {
      const found = sets.find(matches(scope)) || sets.find((set) => scope(set.scope) && !set.language_code);
      if (found && found.commands.length > 0) return found.commands;
    }
    return [];
  }

  async function toggleCommands() {
    if (!view.commands.hidden) {
      closeCommands();
      return;
    }
    try {
      const data = await api.commands();
      const commands = menuFor(data.command_sets || [], state.userId, view.language.value);
      view.commands.replaceChildren();
      if (commands.length === 0) view.commands.append(el("div", "command-empty", "The bot set no commands for you."));
      for (const command of commands) {
        const item = el("button", "command-item");
        item.type = "button";
        item.append(el("span", "command-name", `/${command.command}`));
        item.append(el("span", "command-description", command.description));
        item.addEventListener("click", () => sendText(`/${command.command}`));
        view.commands.append(item);
      }
      view.commands.hidden = false;
      view.menu.setAttribute("aria-expanded", "true");
    } catch (error) {
      toast(`Commands unavailable: ${error.message}`, { error: true });
    }
  }

  function closeCommands() {
    view.commands.hidden = true;
    view.menu.setAttribute("aria-expanded", "false");
  }

  // -- following one chat --------------------------------------------------------------------

  async function follow(generation, signal) {
    let backoff = 500;
    let after = null;
    while (generation === state.generation) {
      try {
        const snapshot = await api.messages(state.userId, after, signal);
        if (generation !== state.generation) return;
        applySnapshot(snapshot);
        after = snapshot.revision;
        backoff = 500;
        setStatus(state.botUsername ? `@${state.botUsername} · online` : "online", true);
      } catch (error) {
        if (signal.aborted || generation !== state.generation) return;
        setStatus(`reconnecting… (${error.message})`, false);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  function selectUser(userId) {
    if (!Number.isInteger(userId) || userId <= 0) {
      toast("A user id is a positive whole number.", { error: true });
      return;
    }
    if (!state.users.some((user) => user.id === userId)) {
      state.users.push({ id: userId, name: `User ${userId}`, role: null });
      fillUsers();
    }
    if (state.abort) state.abort.abort();
    state.generation += 1;
    state.userId = userId;
    state.revision = 0;
    state.messages.clear();
    view.messages.querySelectorAll(".message").forEach((node) => node.remove());
    view.empty.hidden = false;
    view.user.value = String(userId);
    closeCommands();
    const url = new URL(window.location.href);
    url.searchParams.set("user", String(userId));
    window.history.replaceState(null, "", url);
    window.localStorage.setItem("sandbox-chat-user", String(userId));
    setStatus("connecting…", false);
    state.abort = new AbortController();
    follow(state.generation, state.abort.signal);
    view.text.focus();
  }

  function fillUsers() {
    view.user.replaceChildren();
    for (const user of state.users) {
      const role = user.role ? ` (${user.role})` : "";
      const option = el("option", null, `${user.id} · ${user.name}${role}`);
      option.value = String(user.id);
      view.user.append(option);
    }
  }

  function initialUser() {
    const fromUrl = new URLSearchParams(window.location.search).get("user");
    const stored = window.localStorage.getItem("sandbox-chat-user");
    const chosen = Number.parseInt(fromUrl || stored || "", 10);
    return Number.isInteger(chosen) && chosen > 0 ? chosen : (state.users[0] || { id: 1 }).id;
  }

  async function start() {
    view.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = view.text.value;
      view.text.value = "";
      sendText(text);
    });
    view.menu.addEventListener("click", toggleCommands);
    view.user.addEventListener("change", () => selectUser(Number.parseInt(view.user.value, 10)));
    view.otherUser.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      selectUser(Number(view.otherUser.value));
      view.otherUser.value = "";
    });
    view.faultForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const service = view.faultService.value;
      const fault = view.faultKind.value;
      try {
        const result = await api.backendFault(service, fault);
        const health = result.up ? "up" : "down";
        toast(`${service}: ${fault} (now ${health})`);
      } catch (error) {
        toast(`Could not change ${service}: ${error.message}`, { error: true });
      }
    });
    view.language.value = window.localStorage.getItem("sandbox-chat-language") || "";
    view.language.addEventListener("change", () => {
      window.localStorage.setItem("sandbox-chat-language", view.language.value);
    });
    try {
      const data = await api.users();
      state.users = data.users;
      state.botUsername = data.bot_username || "";
    } catch (error) {
      toast(`Could not list the sandbox users: ${error.message}`, { error: true });
    }
    fillUsers();
    selectUser(initialUser());
  }

  start();
})();
