// An independent verifier of a Coalition event log export, written from docs/log-format.md alone:
// no npm packages, its own RFC 8785 (JCS) canonical JSON, SHA-256 from node:crypto.
//
//   node tests/node/verify_log.mjs log.jsonl
//
// Prints "OK: <count> events, head hash <hash>, chain format 2" and exits 0, or
// "BROKEN at position <p>: <reason>" and exits 1; exits 2 when it cannot check the file at all.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

// -- RFC 8785: JSON.stringify's strings and numbers, object keys sorted by UTF-16 code units ------

export function canonical(value) {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} has no JSON form`);
    return String(value); // ECMAScript Number.prototype.toString; -0 is "0"
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort(); // default sort compares UTF-16 code units
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  throw new Error(`a ${typeof value} has no JSON form`);
}

// -- chain format 2 -------------------------------------------------------------------------------

const sha256 = (text) => createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
const GENESIS = { 2: sha256("coalition event log, chain format 2") };
const FIELDS = ["position", "stream_id", "version", "type", "schema_version", "payload", "metadata", "recorded_at"];

export function eventHash(previous, event) {
  return sha256(canonical([previous, ...FIELDS.map((name) => event[name])]));
}

export function verify(text) {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) return { error: "the file is empty" };
  const header = JSON.parse(lines[0]);
  if (!("log_format" in header)) return { error: "no header line: a format-1 export, which this verifier does not check" };
  if (!(header.log_format in GENESIS)) {
    return { error: `chain format ${header.log_format} is not one this verifier checks (only 2)` };
  }
  let previous = GENESIS[header.log_format];
  let count = 0;
  for (const line of lines.slice(1)) {
    count += 1;
    let event;
    try {
      event = JSON.parse(line);
    } catch (error) {
      return { count: count - 1, previous, broken: count, reason: `not JSON (${error.message})` };
    }
    if (event.position !== count) {
      return { count: count - 1, previous, broken: event.position ?? count, reason: `position ${count} is missing or out of order` };
    }
    let computed;
    try {
      computed = eventHash(previous, event);
    } catch (error) {
      return { count: count - 1, previous, broken: count, reason: error.message };
    }
    if (computed !== event.hash) {
      return { count: count - 1, previous, broken: count, reason: "the hash does not match the event's contents" };
    }
    previous = event.hash;
  }
  return { count, previous, format: header.log_format };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node verify_log.mjs EXPORT.jsonl");
    process.exit(2);
  }
  let result;
  try {
    result = verify(readFileSync(file, "utf8"));
  } catch (error) {
    console.error(`cannot check ${file}: ${error.message}`);
    process.exit(2);
  }
  if (result.error) {
    console.error(`cannot check ${file}: ${result.error}`);
    process.exit(2);
  }
  if (result.broken !== undefined) {
    console.log(`BROKEN at position ${result.broken}: ${result.reason} (${result.count} events before it verified)`);
    process.exit(1);
  }
  console.log(`OK: ${result.count} events, head hash ${result.previous}, chain format ${result.format}`);
}
