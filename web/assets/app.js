/*
 * app.js - the script behind every Chartroom page.  Each page is a fixed
 * HTML file; this script asks the JSON API (/api/, docs/api.md) for the
 * data and builds the page from it.
 *
 * Text from the store (names, OCR text, reasons) is only ever put into
 * the page with textContent, never as HTML, so a scan that reads
 * "<script>" stays text.  The Content-Security-Policy forbids inline
 * script, so everything lives here and event handlers are attached in
 * code.  State-changing calls send the session's CSRF token in the
 * X-CSRF-Token header; GET /api/session hands it out to this origin only.
 */
"use strict";

const cr = { session: null };

/* ---- Small helpers ---------------------------------------------------- */

function $(sel) { return document.querySelector(sel); }

/* el("td", {class: "x"}, "text", child, ...): children are strings (set
 * as text) or nodes. */
function el(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k === "class") e.className = v;
		else if (k === "text") e.textContent = v;
		else e.setAttribute(k, v === true ? "" : String(v));
	}
	for (const kid of kids) {
		if (kid === null || kid === undefined) continue;
		e.append(typeof kid === "string" || typeof kid === "number"
			? document.createTextNode(String(kid)) : kid);
	}
	return e;
}

function params() { return new URLSearchParams(location.search); }

function status(msg, kind) {
	const s = $("#status");
	if (!s) return;
	s.textContent = msg || "";
	s.className = kind || "";
	s.hidden = !msg;
}

function typeName(t) {
	return { chart: "Chart", release_form: "Release form",
		 correspondence: "Correspondence", unknown: "Unknown" }[t] || (t || "—");
}

function patientName(p) {
	if (!p) return "—";
	return (p.family_name || "") + ", " + (p.given_name || "") +
		(p.middle_name ? " " + p.middle_name : "");
}

function pct(x) { return Math.round((x || 0) * 100) + "%"; }

/* A snippet from the API marks matches with [ and ]: show them as
 * <mark>, built as nodes, never parsed as HTML. */
function snippetNode(s) {
	const span = el("span", { class: "snippet" });
	const parts = String(s).split(/(\[[^\[\]]*\])/);
	for (const part of parts) {
		if (part.length > 2 && part[0] === "[" && part[part.length - 1] === "]")
			span.append(el("mark", {}, part.slice(1, -1)));
		else if (part)
			span.append(document.createTextNode(part));
	}
	return span;
}

/* Call the API.  Returns {ok, status, data}; a 401 sends the person to
 * the sign-in page (except on the sign-in page itself). */
async function api(method, path, body) {
	const opt = { method, credentials: "same-origin", headers: {} };
	if (body !== undefined) {
		opt.headers["Content-Type"] = "application/json";
		opt.body = JSON.stringify(body);
	}
	if (method !== "GET" && cr.session)
		opt.headers["X-CSRF-Token"] = cr.session.csrf;
	let res;
	try {
		res = await fetch(path, opt);
	} catch (e) {
		status("The server cannot be reached. Try again.", "error");
		return { ok: false, status: 0, data: {} };
	}
	let data = {};
	const ct = res.headers.get("Content-Type") || "";
	if (ct.startsWith("application/json")) data = await res.json();
	if (res.status === 401 && document.body.dataset.page !== "login") {
		location.href = "/login?next=" +
			encodeURIComponent(location.pathname + location.search);
		return { ok: false, status: 401, data };
	}
	return { ok: res.ok, status: res.status, data };
}

function pageImage(docId, page, width) {
	return "/api/documents/" + encodeURIComponent(docId) + "/pages/" +
		page + ".png?width=" + width;
}

/* The stored original as scanned; turn it upright as intake did. */
function uprightImage(docId, page, width, rotation, alt) {
	const img = el("img", { src: pageImage(docId, page, width), alt,
				loading: "lazy", class: "page-img" });
	const fig = el("div", { class: "page-frame rot-" + (rotation || 0) }, img);
	if (rotation === 90 || rotation === 270) {
		img.addEventListener("load", () => {
			/* Turned a quarter, the picture's height becomes its
			 * width: size it so that, turned, it fills the column,
			 * and make the frame as tall as it then is (CSSOM, which
			 * the CSP allows). */
			const avail = fig.clientWidth || 600;
			const w = avail * img.naturalWidth / img.naturalHeight;
			img.style.width = w + "px";
			fig.style.height = w + "px";
		});
	}
	return fig;
}

/* ---- Every page but sign-in: who is signed in, the bar --------------- */

async function loadSession() {
	const r = await api("GET", "/api/session");
	if (!r.ok) return false;
	cr.session = r.data;
	const who = $("#who");
	if (who) who.textContent = r.data.user + " (" + r.data.role + ")";
	for (const a of document.querySelectorAll("#nav a[data-roles]"))
		a.hidden = !a.dataset.roles.split(" ").includes(r.data.role);
	const out = $("#signout");
	if (out) out.addEventListener("click", async () => {
		await api("DELETE", "/api/session");
		location.href = "/login";
	});
	return true;
}

/* ---- Sign in ---------------------------------------------------------- */

function landingFor(role) {
	return role === "operator" ? "/review" : "/search";
}

function initLogin() {
	$("#login").addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const err = $("#error");
		err.hidden = true;
		const r = await api("POST", "/api/session",
			{ user: $("#user").value, password: $("#password").value });
		if (!r.ok) {
			err.textContent = r.data.error || "Sign-in failed.";
			err.hidden = false;
			$("#password").value = "";
			$("#password").focus();
			return;
		}
		/* Only a page of this site, never another origin ("//x",
		 * "/\x" and "https:..." all resolve elsewhere). */
		let next = null;
		try {
			const u = new URL(params().get("next") || "", location.origin);
			/* u.href, not u.pathname: a path "//evil.example/x"
			 * has this origin here but is another site as a link */
			if (params().get("next") && u.origin === location.origin &&
			    !u.pathname.startsWith("//"))
				next = u.href;
		} catch (e) { next = null; }
		location.href = next || landingFor(r.data.role);
	});
}

/* ---- Search ----------------------------------------------------------- */

function docLink(id, text) {
	return el("a", { href: "/document?id=" + encodeURIComponent(id) }, text);
}

function patientLink(p) {
	return el("a", { href: "/patient?mrn=" + encodeURIComponent(p.mrn) },
		patientName(p));
}

async function initSearch() {
	const p = params();
	for (const k of ["q", "text", "type", "from", "to"])
		if (p.get(k)) $("#" + k).value = p.get(k);
	const q = (p.get("q") || "").trim(), text = (p.get("text") || "").trim();
	const type = p.get("type") || "", from = p.get("from") || "", to = p.get("to") || "";
	if (!q && !text && !type && !from && !to) return;

	let onlyMrn = null;
	if (q) {
		const r = await api("GET", "/api/patients?q=" + encodeURIComponent(q));
		if (!r.ok) { status(r.data.error || "Search failed.", "error"); return; }
		const tb = $("#patients tbody");
		tb.textContent = "";
		for (const pt of r.data.patients)
			tb.append(el("tr", {}, el("td", {}, patientLink(pt)),
				el("td", {}, pt.mrn), el("td", {}, pt.birth_date),
				el("td", {}, pt.physician || "—")));
		if (!r.data.patients.length)
			tb.append(el("tr", {}, el("td", { colspan: 4, class: "muted" },
				"No patient matches.")));
		$("#patients-section").hidden = false;
		if (r.data.patients.length === 1) onlyMrn = r.data.patients[0].mrn;
		else if (!text && !type && !from && !to) return;
		if (!onlyMrn && r.data.patients.length === 0) return;
	}
	const qs = new URLSearchParams();
	if (onlyMrn) qs.set("mrn", onlyMrn);
	else if (q && !/\d/.test(q)) qs.set("name", q);
	if (text) qs.set("q", text);
	if (type) qs.set("type", type);
	if (from) qs.set("from", from);
	if (to) qs.set("to", to);
	const r = await api("GET", "/api/documents?" + qs.toString());
	if (!r.ok) { status(r.data.error || "Search failed.", "error"); return; }
	const tb = $("#documents tbody");
	tb.textContent = "";
	for (const d of r.data.documents) {
		tb.append(el("tr", {},
			el("td", {}, d.document_date || d.created_at.slice(0, 10)),
			el("td", {}, typeName(d.doc_type)),
			el("td", {}, d.patient ? patientLink(d.patient) : el("em", {}, d.status)),
			el("td", {}, docLink(d.document_id, "Document " + d.document_id +
				" (" + d.pages + (d.pages === 1 ? " page)" : " pages)"))),
			el("td", {}, d.snippet ? snippetNode(d.snippet) : "")));
	}
	if (!r.data.documents.length)
		tb.append(el("tr", {}, el("td", { colspan: 5, class: "muted" },
			"No document matches.")));
	$("#doc-count").textContent = "(" + r.data.count + ")";
	$("#documents-section").hidden = false;
}

/* ---- A patient's chart ------------------------------------------------ */

async function initPatient() {
	const mrn = params().get("mrn");
	if (!mrn) { status("No patient given.", "error"); return; }
	const r = await api("GET", "/api/patients?mrn=" + encodeURIComponent(mrn));
	if (r.status === 403 && r.data.break_glass) {
		$("#glass").hidden = false;
		$("#glass").addEventListener("submit", async (ev) => {
			ev.preventDefault();
			const g = await api("POST", "/api/glass",
				{ mrn, reason: $("#glass-reason").value });
			if (!g.ok) { status(g.data.error || "Refused.", "error"); return; }
			location.reload();
		});
		return;
	}
	if (!r.ok) { status(r.data.error || "Cannot open this chart.", "error"); return; }
	const pt = r.data.patients[0];
	document.title = patientName(pt) + " · Chartroom";
	$("#patient-head").append(
		el("h1", {}, patientName(pt)),
		el("dl", { class: "facts" },
			el("dt", {}, "MRN"), el("dd", {}, pt.mrn),
			el("dt", {}, "Born"), el("dd", {}, pt.birth_date),
			el("dt", {}, "Sex"), el("dd", {}, pt.sex || "—"),
			el("dt", {}, "Physician"), el("dd", {}, pt.physician || "—")));
	const d = await api("GET", "/api/documents?limit=500&mrn=" + encodeURIComponent(mrn));
	if (!d.ok) { status(d.data.error || "Cannot list documents.", "error"); return; }
	const groups = {};
	for (const doc of d.data.documents)
		(groups[doc.doc_type || "unknown"] ||= []).push(doc);
	const box = $("#groups");
	for (const t of ["chart", "release_form", "correspondence", "unknown"]) {
		if (!groups[t]) continue;
		const ul = el("ul", { class: "docs" });
		for (const doc of groups[t])
			ul.append(el("li", {},
				el("a", { href: "/document?id=" + encodeURIComponent(doc.document_id) },
					el("img", { src: pageImage(doc.document_id, 1, 120), alt: "",
						    loading: "lazy", class: "thumb" }),
					el("span", {}, (doc.document_date || "undated") + " · " +
						doc.pages + (doc.pages === 1 ? " page" : " pages")))));
		box.append(el("h3", {}, typeName(t) + " (" + groups[t].length + ")"), ul);
	}
	if (!d.data.documents.length)
		box.append(el("p", { class: "muted" }, "No documents are filed to this patient."));
	$("#chart").hidden = false;
}

/* ---- One document ----------------------------------------------------- */

async function initDocument() {
	const id = params().get("id");
	if (!id) { status("No document given.", "error"); return; }
	const r = await api("GET", "/api/documents/" + encodeURIComponent(id));
	if (!r.ok) { status(r.data.error || "Cannot open this document.", "error"); return; }
	const d = r.data;
	document.title = "Document " + d.document_id + " · Chartroom";
	const head = $("#doc-head");
	head.append(el("h1", {}, typeName(d.doc_type) + " · document " + d.document_id),
		el("dl", { class: "facts" },
			el("dt", {}, "Patient"),
			el("dd", {}, d.patient ? patientLink(d.patient) : el("em", {}, "not filed")),
			el("dt", {}, "Date"), el("dd", {}, d.document_date || "—"),
			el("dt", {}, "Status"), el("dd", {}, d.status + (d.reason ? ": " + d.reason : "")),
			el("dt", {}, "Arrived"), el("dd", {}, d.created_at || "—"),
			el("dt", {}, "File"), el("dd", {}, d.file),
			el("dt", {}, "SHA-256"), el("dd", { class: "mono" }, d.sha256)));
	if (d.status === "review" && cr.session &&
	    ["admin", "operator"].includes(cr.session.role))
		head.append(el("p", {}, el("a", { href: "/review?id=" + encodeURIComponent(d.document_id) },
			"Resolve in the review queue")));

	const ft = $("#fields tbody");
	for (const f of d.fields)
		ft.append(el("tr", {}, el("td", {}, f.name), el("td", {}, f.value),
			el("td", { class: f.conf < 0.7 ? "low" : "" }, pct(f.conf)),
			el("td", {}, f.page > 0 ? String(f.page) : "—"),
			el("td", {}, f.source || "")));
	$("#fields-section").hidden = d.fields.length === 0;

	const pages = $("#pages");
	for (const p of d.page_text) {
		pages.append(el("h2", {}, "Page " + p.page + " of " + d.pages),
			el("div", { class: "page" },
				uprightImage(d.document_id, p.page, 1000, p.rotation_deg,
					"Page " + p.page + " as scanned"),
				el("div", { class: "page-text" },
					el("p", { class: "muted" }, "Read with " + pct(p.mean_conf) +
						" mean confidence" + (p.rotation_deg ? ", turned " + p.rotation_deg + "°" : "")),
					el("pre", { class: "ocr" }, p.text || "(no text read)"))));
	}
	if (d.history && d.history.length) {
		const ht = $("#history tbody");
		for (const h of d.history)
			ht.append(el("tr", {}, el("td", {}, h.at || ""), el("td", {}, h.actor || ""),
				el("td", {}, h.status || ""), el("td", {}, h.mrn || "—"),
				el("td", {}, h.reason || "")));
		$("#history-section").hidden = false;
	}
}

/* ---- Review queue ----------------------------------------------------- */

/* A field's box, cut out of the page image with CSS (no second request:
 * the same picture, shifted inside a small window). */
function fieldCrop(d, f, pageInfo, width) {
	const rot = pageInfo ? pageInfo.rotation_deg : -1;
	if (!pageInfo || f.page < 1 || f.box[0] < 0 || (rot !== 0 && rot !== 180) ||
	    !pageInfo.width) return null;
	/* Boxes are in the upright page; the image is the page as scanned.
	 * Turned half round, the box is where the opposite corner was, and
	 * the window is turned back with CSS. */
	let b = f.box;
	if (rot === 180)
		b = [pageInfo.width - b[2], pageInfo.height - b[3], pageInfo.width - b[0], pageInfo.height - b[1]];
	const scale = width / pageInfo.width;
	const pad = 8;
	const x0 = Math.max(0, b[0] - pad), y0 = Math.max(0, b[1] - pad);
	const w = (b[2] - b[0] + 2 * pad) * scale, h = (b[3] - b[1] + 2 * pad) * scale;
	const img = el("img", { src: pageImage(d.document_id, f.page, width), alt: "" });
	img.style.marginLeft = -(x0 * scale) + "px";
	img.style.marginTop = -(y0 * scale) + "px";
	img.style.width = width + "px";
	const win = el("div", { class: "crop" + (rot === 180 ? " rot-180" : "") }, img);
	win.style.width = Math.max(20, Math.min(w, 260)) + "px";
	win.style.height = Math.max(12, h) + "px";
	return win;
}

function evidenceList(ev) {
	const ul = el("ul", { class: "evidence" });
	for (const [k, v] of Object.entries(ev || {})) {
		const r = v && typeof v === "object" ? v : { read: String(v) };
		ul.append(el("li", { class: "ev-" + (r.result || "none") },
			el("b", {}, k.replace("_", " ") + ": "),
			(r.read ? "read “" + r.read + "” " : "") + (r.result ? "→ " + r.result : "")));
	}
	return ul;
}

async function showReviewItem(id, queue) {
	const box = $("#item");
	box.textContent = "";
	const r = await api("GET", "/api/documents/" + encodeURIComponent(id));
	if (!r.ok) { box.append(el("p", { class: "error" }, r.data.error || "Cannot open.")); return; }
	const d = r.data;
	const next = () => {
		const i = queue.findIndex((q) => q.document_id === d.document_id);
		const rest = queue.filter((q) => q.document_id !== d.document_id);
		const n = rest[Math.min(i, rest.length - 1)];
		location.href = n ? "/review?id=" + encodeURIComponent(n.document_id) : "/review";
	};
	box.append(el("h1", {}, "Document " + d.document_id + " · " + typeName(d.doc_type)),
		el("p", { class: "reason" }, d.reason || ""),
		el("p", { class: "muted" }, d.file + " · arrived " + (d.created_at || "")));

	const scan = el("div", { class: "scan" });
	const p1 = d.page_text[0];
	scan.append(uprightImage(d.document_id, 1, 700, p1 ? p1.rotation_deg : 0, "Page 1 as scanned"));
	if (d.pages > 1)
		scan.append(el("p", {}, el("a", { href: "/document?id=" + encodeURIComponent(d.document_id) },
			"All " + d.pages + " pages")));
	const crops = el("table", { class: "list crops" },
		el("thead", {}, el("tr", {}, el("th", {}, "Field"), el("th", {}, "On the scan"),
			el("th", {}, "Read as"), el("th", {}, "Confidence"))));
	const cb = el("tbody");
	for (const f of d.fields) {
		const pinfo = d.page_text.find((p) => p.page === f.page);
		cb.append(el("tr", {}, el("td", {}, f.name),
			el("td", {}, fieldCrop(d, f, pinfo, 1000) || el("span", { class: "muted" }, "—")),
			el("td", {}, f.value), el("td", { class: f.conf < 0.7 ? "low" : "" }, pct(f.conf))));
	}
	crops.append(cb);

	const cands = el("div", { class: "candidates" });
	for (const c of d.candidates || []) {
		const p = c.patient;
		const btn = el("button", { type: "button", class: "assign" }, "File to this patient");
		btn.addEventListener("click", async () => {
			btn.disabled = true;
			const a = await api("POST", "/api/review/" + encodeURIComponent(d.document_id) + "/assign",
				{ mrn: c.mrn });
			if (!a.ok) { btn.disabled = false; status(a.data.error || "Not filed.", "error"); return; }
			next();
		});
		cands.append(el("div", { class: "candidate" },
			el("h3", {}, p ? patientName(p) : c.mrn),
			el("dl", { class: "facts" },
				el("dt", {}, "MRN"), el("dd", {}, c.mrn),
				el("dt", {}, "Born"), el("dd", {}, p ? p.birth_date : "—"),
				el("dt", {}, "Physician"), el("dd", {}, p && p.physician ? p.physician : "—"),
				el("dt", {}, "Score"), el("dd", {}, pct(c.score))),
			evidenceList(c.evidence), btn));
	}
	if (!(d.candidates || []).length)
		cands.append(el("p", { class: "muted" }, "No roster patient came close. Reject it, or file it from the command line with --force after checking the roster."));

	const rej = el("form", { class: "reject" },
		el("label", {}, "Reason ", el("input", { name: "reason", required: true, maxlength: 500,
			placeholder: "e.g. not a medical record, illegible" })),
		el("button", { type: "submit", class: "danger" }, "Reject"));
	rej.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const a = await api("POST", "/api/review/" + encodeURIComponent(d.document_id) + "/reject",
			{ reason: rej.reason.value });
		if (!a.ok) { status(a.data.error || "Not rejected.", "error"); return; }
		next();
	});
	box.append(el("div", { class: "side-by-side" }, scan,
		el("div", {}, el("h2", {}, "Candidates"), cands, el("h2", {}, "Fields read"), crops,
			el("h2", {}, "Or take it out of the queue"), rej)));
}

async function initReview() {
	const r = await api("GET", "/api/review");
	if (!r.ok) { status(r.data.error || "Cannot read the queue.", "error"); return; }
	const docs = r.data.documents;
	$("#queue-count").textContent = "(" + docs.length + ")";
	const ol = $("#queue");
	const want = params().get("id") || (docs[0] && docs[0].document_id);
	for (const d of docs)
		ol.append(el("li", { class: d.document_id === want ? "current" : "" },
			el("a", { href: "/review?id=" + encodeURIComponent(d.document_id) },
				"Document " + d.document_id + " · " + typeName(d.doc_type)),
			el("span", { class: "muted" }, d.reason || "")));
	if (want) {
		$("#empty").hidden = true;
		await showReviewItem(want, docs);
	}
}

/* ---- Audit ------------------------------------------------------------ */

async function initAudit() {
	const p = params();
	const fields = { patient: "#f-patient", user: "#f-user", action: "#f-action", since: "#f-since" };
	const qs = new URLSearchParams();
	for (const [k, sel] of Object.entries(fields))
		if (p.get(k)) { $(sel).value = p.get(k); qs.set(k, p.get(k)); }
	qs.set("limit", "200");

	const g = await api("GET", "/api/glass");
	if (g.ok) {
		const tb = $("#grants tbody");
		for (const x of g.data.grants) {
			let cell;
			if (x.reviewed_by) cell = el("td", {}, x.reviewed_by + " " + x.reviewed_at);
			else {
				const b = el("button", { type: "button" }, "Mark reviewed");
				b.addEventListener("click", async () => {
					const a = await api("POST", "/api/glass/" + x.id + "/reviewed");
					if (a.ok) location.reload();
					else status(a.data.error || "Not marked.", "error");
				});
				cell = el("td", {}, b);
			}
			tb.append(el("tr", { class: x.reviewed_by ? "" : "flag" }, el("td", {}, x.granted_at),
				el("td", {}, x.user), el("td", {}, x.mrn), el("td", {}, x.reason || ""),
				el("td", {}, x.expires_at), cell));
		}
		if (!g.data.grants.length)
			tb.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "None.")));
	}
	const tb = $("#entries tbody");
	const load = async (before) => {
		if (before) qs.set("before", before);
		const r = await api("GET", "/api/audit?" + qs.toString());
		if (!r.ok) { status(r.data.error || "Cannot read the audit log.", "error"); return; }
		for (const e of r.data.entries)
			tb.append(el("tr", { class: e.outcome === "denied" ? "denied" : "" },
				el("td", {}, String(e.id)), el("td", {}, e.at), el("td", {}, e.user || ""),
				el("td", {}, e.action || ""), el("td", {}, e.mrn || ""),
				el("td", {}, e.document_id ? docLink(e.document_id, String(e.document_id)) : ""),
				el("td", {}, e.remote || ""), el("td", {}, e.outcome),
				el("td", {}, e.detail || "")));
		const older = $("#older");
		const last = r.data.entries[r.data.entries.length - 1];
		older.hidden = r.data.entries.length < 200;
		older.onclick = () => load(last.id);
	};
	await load();
}

/* ---- Users (admins) --------------------------------------------------- */

async function initUsers() {
	const r = await api("GET", "/api/users");
	if (!r.ok) { status(r.data.error || "Cannot list users.", "error"); return; }
	const tb = $("#users tbody");
	for (const u of r.data.users) {
		const toggle = el("button", { type: "button" }, u.disabled ? "Enable" : "Disable");
		toggle.addEventListener("click", async () => {
			const a = await api("POST", "/api/users/" + encodeURIComponent(u.name) +
				(u.disabled ? "/enable" : "/disable"));
			if (a.ok) location.reload(); else status(a.data.error || "Not changed.", "error");
		});
		const pw = el("button", { type: "button" }, "New password");
		pw.addEventListener("click", async () => {
			const p = prompt("New password for " + u.name + " (at least 10 characters)");
			if (!p) return;
			const a = await api("POST", "/api/users/" + encodeURIComponent(u.name) + "/password",
				{ password: p });
			status(a.ok ? "Password changed; " + u.name + "'s sessions were ended."
				    : a.data.error || "Not changed.", a.ok ? "" : "error");
		});
		tb.append(el("tr", { class: u.disabled ? "denied" : "" }, el("td", {}, u.name),
			el("td", {}, u.role), el("td", {}, u.physician || "—"),
			el("td", {}, u.disabled ? "disabled" : "active"), el("td", {}, u.updated_at),
			el("td", {}, toggle, " ", pw)));
	}
	const f = $("#add-user");
	f.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		/* namedItem: form.name is the form's own name, not the field. */
		const v = (n) => f.elements.namedItem(n).value;
		const a = await api("POST", "/api/users", { name: v("name"), role: v("role"),
			physician: v("physician"), password: v("password") });
		if (a.ok) location.reload(); else status(a.data.error || "Not added.", "error");
	});
}

/* ---- Start ------------------------------------------------------------ */

document.addEventListener("DOMContentLoaded", async () => {
	const page = document.body.dataset.page;
	if (page === "login") { initLogin(); return; }
	if (!(await loadSession())) return;
	const init = { search: initSearch, patient: initPatient, document: initDocument,
		       review: initReview, audit: initAudit, users: initUsers }[page];
	if (init) await init();
	document.body.dataset.ready = "1";
});
