"use strict";
// Viva's start page: create an interview and list past ones, through the JSON API.
const api = "/api/v1/sessions";
const statusEl = document.getElementById("status");

async function call(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function cell(row, text) {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

async function refresh() {
  const body = document.querySelector("#sessions tbody");
  try {
    const { sessions } = await call("GET", api);
    body.replaceChildren();
    for (const s of sessions) {
      const row = body.insertRow();
      cell(row, new Date(s.created_at).toLocaleString());
      cell(row, s.track);
      cell(row, s.mode);
      cell(row, s.state);
      const actions = row.insertCell();
      if (s.state === "scored") {
        const a = document.createElement("a");
        a.href = `${api}/${s.id}/report`;
        a.textContent = "Report";
        actions.append(a, " ");
      }
      const del = document.createElement("button");
      del.className = "secondary";
      del.textContent = "Delete";
      del.setAttribute("aria-label", `Delete the ${s.track} interview of ${new Date(s.created_at).toLocaleString()}`);
      del.onclick = async () => {
        await call("DELETE", `${api}/${s.id}`);
        statusEl.textContent = "Interview deleted.";
        refresh();
      };
      actions.append(del);
    }
  } catch (err) {
    statusEl.textContent = `Could not load interviews: ${err.message}`;
  }
}

document.getElementById("new-session").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const req = { track: form.get("track"), mode: form.get("mode") };
  if (form.get("minutes")) req.minutes = Number(form.get("minutes"));
  try {
    const s = await call("POST", api, req);
    statusEl.textContent = `Interview created (${s.minutes} minutes).`;
    refresh();
  } catch (err) {
    statusEl.textContent = `Could not create the interview: ${err.message}`;
  }
});

refresh();
