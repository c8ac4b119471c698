// The chat demo page (/chat/demo, development only): plain browser JavaScript on the chat
// service's native WebSocket protocol (docs/services/chat.md, "Native WebSocket"). No library,
// nothing fetched from elsewhere. The access token comes from the address fragment
// (#token=...&room=...) or the token field; it is sent in the first frame, never in a URL.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { ws: null, token: "", me: null, room: null, lastSeq: 0, nextId: 0, pending: new Map() };

function setStatus(name, text) {
  document.body.dataset.state = name;
  $("status").textContent = text;
}

function call(type, fields) {
  const ws = state.ws;
  const id = ++state.nextId;
  return new Promise((resolve) => {
    state.pending.set(id, resolve);
    ws.send(JSON.stringify({ type, id, ...fields }));
  });
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
  if (!response.ok) throw new Error("GET " + path + " answered " + response.status);
  return response.json();
}

function label(senderId) {
  return senderId === state.me ? "you" : senderId.slice(0, 8);
}

function show(message) {
  if (message.room_id !== state.room) return;
  const list = $("messages");
  let item = list.querySelector('li[data-id="' + message.id + '"]');
  if (item === null) {
    item = document.createElement("li");
    item.dataset.id = message.id;
    item.dataset.seq = String(message.seq);
    item.dataset.sender = message.sender_id;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = label(message.sender_id);
    const body = document.createElement("span");
    body.className = "body";
    item.append(who, " ", body);
    // In sequence order, whatever order history, catch-up and live frames came in.
    const after = [...list.children].find((li) => Number(li.dataset.seq) > message.seq);
    list.insertBefore(item, after || null);
  }
  item.classList.toggle("mine", message.sender_id === state.me);
  item.classList.toggle("deleted", message.deleted);
  // textContent, never HTML: a message is whatever its sender typed.
  item.querySelector(".body").textContent = message.deleted
    ? "(deleted)"
    : message.body + (message.edited_at ? " (edited)" : "");
  state.lastSeq = Math.max(state.lastSeq, message.seq);
  list.scrollTop = list.scrollHeight;
}

function received(event) {
  const frame = JSON.parse(event.data);
  if (frame.type === "ack") {
    const resolve = state.pending.get(frame.id);
    state.pending.delete(frame.id);
    if (resolve) resolve(frame);
  } else if (frame.type === "message") {
    show(frame.data);
    markRead();
  } else if (frame.type === "message_changed") {
    show(frame.data.message);
  } else if (frame.type === "removed" && frame.data.room_id === state.room) {
    setStatus("removed", "removed from the room (" + frame.data.reason + ")");
    enableSending(false);
  } else if (frame.type === "error") {
    setStatus(document.body.dataset.state, "error: " + frame.data.code + " (" + frame.data.detail + ")");
  }
}

function enableSending(on) {
  $("body").disabled = !on;
  $("send").disabled = !on;
}

let readTimer = null;
function markRead() {
  if (readTimer !== null || state.room === null) return;
  readTimer = setTimeout(() => {
    readTimer = null;
    if (state.ws && state.ws.readyState === WebSocket.OPEN && state.lastSeq > 0) {
      call("read", { room_id: state.room, seq: state.lastSeq });
    }
  }, 500);
}

async function join(roomId) {
  if (state.room !== null && state.room !== roomId) await call("leave", { room_id: state.room });
  state.room = roomId;
  state.lastSeq = 0;
  $("messages").replaceChildren();
  enableSending(false);
  setStatus("joining", "joining …");
  // The latest page of history, then join after it: the server sends what came in between.
  const history = await api("/rooms/" + roomId + "/messages?limit=50");
  history.messages.forEach(show);
  const ack = await call("join", { room_id: roomId, after_seq: state.lastSeq });
  if (!ack.ok) {
    setStatus("refused", "join refused: " + ack.error.code);
    return;
  }
  setStatus("joined", "joined (" + ack.data.last_seq + " messages in the room)");
  enableSending(true);
  markRead();
}

async function loadRooms(wanted) {
  const rooms = (await api("/rooms")).items;
  const select = $("room");
  select.replaceChildren(
    ...rooms.map((room) => {
      const option = document.createElement("option");
      option.value = room.id;
      option.textContent = room.title + " · " + room.kind + (room.unread ? " · " + room.unread + " unread" : "");
      return option;
    }),
  );
  select.disabled = rooms.length === 0;
  if (rooms.length === 0) {
    setStatus("connected", "connected; you are in no room yet");
    return;
  }
  select.value = rooms.some((room) => room.id === wanted) ? wanted : rooms[0].id;
  await join(select.value);
}

function connect(wantedRoom) {
  state.token = $("token").value.trim();
  if (!state.token) {
    setStatus("idle", "paste an access token first");
    return;
  }
  if (state.ws !== null) state.ws.close(1000, "reconnect");
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  state.ws = ws;
  state.room = null;
  setStatus("connecting", "connecting …");
  ws.onmessage = received;
  ws.onopen = async () => {
    const ack = await call("auth", { token: state.token });
    if (!ack.ok) {
      setStatus("refused", "refused: " + ack.error.code);
      return;
    }
    state.me = ack.data.user_id;
    $("me").textContent = state.me;
    try {
      await loadRooms(wantedRoom);
    } catch (error) {
      setStatus("failed", String(error));
    }
  };
  ws.onclose = (event) => {
    if (state.ws !== ws) return;
    // A refused token is closed with 4401 right after its error ack: keep saying why.
    if (document.body.dataset.state !== "refused") {
      setStatus("closed", "closed (" + event.code + (event.reason ? ": " + event.reason : "") + ")");
    }
    enableSending(false);
    for (const resolve of state.pending.values()) resolve({ ok: false, error: { code: "closed" } });
    state.pending.clear();
  };
}

async function send(event) {
  event.preventDefault();
  const input = $("body");
  const body = input.value.trim();
  if (!body || state.room === null) return;
  const clientId = "demo-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  const ack = await call("send", { room_id: state.room, body, client_id: clientId });
  if (ack.ok) {
    input.value = "";
  } else {
    setStatus("joined", "not sent: " + ack.error.code + " (" + ack.error.detail + ")");
  }
}

$("connect").addEventListener("click", () => connect(state.room));
$("room").addEventListener("change", (event) => {
  join(event.target.value).catch((error) => setStatus("failed", String(error)));
});
$("send-form").addEventListener("submit", send);

const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("token")) {
  $("token").value = fragment.get("token");
  connect(fragment.get("room"));
}
