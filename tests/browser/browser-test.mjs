// browser-test.mjs - a person's walk through Chartroom in a real browser
// (Debian's chromium, headless, driven by playwright-core): a records
// clerk signs in, searches a patient, opens a document and sees its page
// image and text, signs out; an operator resolves one review item and
// signs out.  Screenshots of every step go to $ARTIFACTS.
//
// Run by tests/e2e_browser.sh, which starts the server on a filled store
// and passes BASE_URL, CHROMIUM, ARTIFACTS and the users' passwords.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.env.BASE_URL;
const artifacts = process.env.ARTIFACTS || "browser-artifacts";
const clerk = { user: "clerk", password: process.env.CLERK_PASSWORD };
const operator = { user: "oper", password: process.env.OPERATOR_PASSWORD };
const patientQuery = process.env.PATIENT_QUERY || "Smith";
const patientMrn = process.env.PATIENT_MRN || "10234567";
const textWord = process.env.TEXT_WORD || "discharge";
mkdirSync(artifacts, { recursive: true });

let passes = 0, fails = 0, shot = 0;
function ok(what) { console.log("ok   - " + what); passes++; }
function bad(what, why) { console.log("FAIL - " + what + (why ? ": " + why : "")); fails++; }
async function check(what, fn) {
	try {
		const v = await fn();
		if (v === false) bad(what); else ok(what);
	} catch (e) {
		bad(what, String(e.message || e).split("\n")[0]);
	}
}

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
	headless: true,
	// Root in a container has no user namespace for chromium's sandbox.
	args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const page = await context.newPage();
const problems = [];
page.on("pageerror", (e) => problems.push("page error: " + e.message));
page.on("console", (m) => {
	// A CSP violation or a script error shows up as a console error.
	if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 40[13]/.test(m.text()))
		problems.push("console: " + m.text());
});

async function snap(name) {
	shot++;
	const file = `${artifacts}/${String(shot).padStart(2, "0")}-${name}.png`;
	await page.screenshot({ path: file, fullPage: true });
}

async function ready() {
	await page.waitForSelector("body[data-ready='1']", { timeout: 30000 });
}

async function signIn(who, next) {
	await page.goto(base + "/login" + (next ? "?next=" + encodeURIComponent(next) : ""));
	await page.fill("#user", who.user);
	await page.fill("#password", who.password);
	await snap(`signin-${who.user}`);
	await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("button[type=submit]")]);
	await ready();
}

async function signOut() {
	await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.click("#signout")]);
}

try {
	// --- records clerk ----------------------------------------------------
	await check("sign-in page refuses a wrong password", async () => {
		await page.goto(base + "/login");
		await page.fill("#user", clerk.user);
		await page.fill("#password", "not-the-password");
		await page.click("button[type=submit]");
		await page.waitForSelector("#error:not([hidden])", { timeout: 30000 });
		return /wrong name or password/.test(await page.textContent("#error"));
	});
	await check("clerk signs in and lands on search", async () => {
		await signIn(clerk);
		return new URL(page.url()).pathname === "/search" &&
			(await page.textContent("#who")).includes("clerk");
	});
	await check("the review queue is not offered to a clerk", async () =>
		await page.isHidden("#nav a[href='/review']"));
	await check(`search a patient by name (${patientQuery})`, async () => {
		await page.fill("#q", patientQuery);
		await Promise.all([page.waitForURL(/\/search\?/), page.click("#search button[type=submit]")]);
		await ready();
		await page.waitForSelector(`#patients a[href='/patient?mrn=${patientMrn}']`, { timeout: 30000 });
		await snap("search-patient");
		return true;
	});
	await check("full-text search highlights the word in a snippet", async () => {
		await page.goto(base + "/search?text=" + encodeURIComponent(textWord));
		await ready();
		await page.waitForSelector("#documents mark", { timeout: 30000 });
		await snap("search-text");
		return (await page.textContent("#documents mark")).toLowerCase().includes(textWord);
	});
	await check("open the patient's chart", async () => {
		await page.goto(base + "/search?q=" + encodeURIComponent(patientMrn));
		await ready();
		await Promise.all([page.waitForURL(/\/patient\?mrn=/), page.click(`#patients a[href='/patient?mrn=${patientMrn}']`)]);
		await ready();
		await page.waitForSelector("#groups ul.docs a", { timeout: 30000 });
		await snap("chart");
		return (await page.textContent("#patient-head")).includes(patientMrn);
	});
	await check("open a document: its page image is shown", async () => {
		await Promise.all([page.waitForURL(/\/document\?id=/), page.click("#groups ul.docs a")]);
		await ready();
		const img = await page.waitForSelector("img.page-img", { timeout: 30000 });
		await page.waitForFunction((i) => i.complete && i.naturalWidth > 0, img, { timeout: 30000 });
		return (await img.evaluate((i) => i.naturalWidth)) > 100;
	});
	await check("... beside its OCR text", async () => {
		const text = await page.textContent("pre.ocr");
		await snap("document");
		return text.length > 50;
	});
	await check("... and its fields with confidences", async () =>
		(await page.locator("#fields tbody tr").count()) > 0 &&
		/%/.test(await page.textContent("#fields tbody")));
	await check("clerk signs out", async () => { await signOut(); return true; });
	await check("after signing out, a page sends the browser to sign in", async () => {
		await page.goto(base + "/search");
		await page.waitForURL(/\/login\?next=/, { timeout: 30000 });
		return true;
	});

	// --- operator: one review item ----------------------------------------
	let before = -1;
	await check("operator signs in and lands on the review queue (never on another site's ?next=)", async () => {
		await signIn(operator, "/.//example.invalid/x"); // resolves to the path "//example.invalid/x"
		if (new URL(page.url()).pathname !== "/review") return false;
		before = await page.locator("#queue li").count();
		return before > 0;
	});
	await check("the review item shows the scan and the candidates side by side", async () => {
		const img = await page.waitForSelector(".scan img", { timeout: 30000 });
		await page.waitForFunction((i) => i.complete && i.naturalWidth > 0, img, { timeout: 30000 });
		await snap("review-item");
		return await page.isVisible(".candidates");
	});
	await check("resolve the item in one click", async () => {
		const assign = page.locator("button.assign");
		if (await assign.count() > 0) {
			await Promise.all([page.waitForURL(/\/review/), assign.first().click()]);
		} else {
			await page.fill("form.reject input[name=reason]", "browser test: not a medical record");
			await Promise.all([page.waitForURL(/\/review/), page.click("form.reject button")]);
		}
		await ready();
		await snap("review-after");
		const after = await page.locator("#queue li").count();
		return after === before - 1;
	});
	await check("operator signs out", async () => { await signOut(); await snap("signed-out"); return true; });
	await check("no script errors or CSP violations on any page", async () => {
		if (problems.length) throw new Error(problems.join("; "));
		return true;
	});
} finally {
	await browser.close();
}
console.log(`${passes} passed, ${fails} failed`);
process.exit(fails ? 1 : 0);
