import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { createTable } from '../scripts/local/create-table.js'
import { startDynamoDbLocal } from '../scripts/local/dynamodb-local.js'
import { localEnv } from '../scripts/local/env.js'
import { ensureMasterKeyFile } from '../scripts/local/master-key.js'
import { REPO_ROOT } from '../scripts/local/paths.js'
import { measureAccess } from './access.js'
import { measureApprovals } from './approvals.js'
import { measureBundles } from './bundles.js'
import { measureCalendar } from './calendar.js'
import { measureCost } from './cost.js'
import { measureDirectory } from './directory.js'
import { measureDrive } from './drive.js'
import { measureHome } from './home.js'
import { measureLatency } from './latency.js'
import { measureLifecycle } from './lifecycle.js'
import { measureMessages } from './messages.js'
import { measureProvisioning } from './provisioning.js'
import { measureSso } from './sso.js'
import { measureTodos } from './todos.js'

/** `npm run bench -- --bundles`: only the bundles and their cold init, printed (no DynamoDB Local, no doc). */
const bundlesOnly = async () => {
  const env = {
    // the bundles are only required: nothing is sent to this endpoint
    ...localEnv({
      endpoint: 'http://127.0.0.1:8000',
      tableName: 'atrium-bench',
      masterKeyFile: ensureMasterKeyFile(),
    }),
    LOG_LEVEL: 'warn',
  }
  console.log((await measureBundles(env)).markdown)
}

/** `npm run bench`: prints the figures the issues ask for and writes docs/benchmarks.md. */
const main = async () => {
  if (process.argv.includes('--bundles')) return bundlesOnly()
  const dynamo = await startDynamoDbLocal()
  try {
    const tableName = 'atrium-bench'
    await createTable(dynamo.endpoint, tableName)
    const env = {
      ...localEnv({ endpoint: dynamo.endpoint, tableName, masterKeyFile: ensureMasterKeyFile() }),
      LOG_LEVEL: 'warn',
    }
    Object.assign(process.env, env)

    console.log('bundles and cold init …')
    const bundles = await measureBundles(env)
    console.log(bundles.markdown)

    console.log('\nlatency against DynamoDB Local …')
    const { seedPlatform } = await import('../scripts/seed.js')
    const seed = await seedPlatform({
      adminIdentifier: 'admin@atrium.localhost',
      adminPassword: 'Atrium-admin-2026',
      demoPassword: 'Atrium-demo-2026',
    })
    const latency = await measureLatency({ endpoint: dynamo.endpoint, tableName, seed, n: 200 })
    console.log(latency.markdown)

    console.log('\nlifecycle with 10,000 tenants, and KooGallery newInstance …')
    const lifecycle = await measureLifecycle({ bareGetItemP50: latency.bareGetItemP50, n: 100 })
    console.log(lifecycle.markdown)

    console.log('\ndirectory: import, members page, department tree …')
    const directory = await measureDirectory({ bareGetItemP50: latency.bareGetItemP50, n: 200 })
    console.log(directory.markdown)

    console.log("\nunified authorisation: a member's apps, a department grant …")
    const access = await measureAccess({ bareGetItemP50: latency.bareGetItemP50, n: 200 })
    console.log(access.markdown)

    console.log("\nhome page and news feed: a member's home, the feed, marking read …")
    const home = await measureHome({ bareGetItemP50: latency.bareGetItemP50, n: 200 })
    console.log(home.markdown)

    console.log('\nmessages: a send delivered to 50 connected members, history, unread …')
    const messages = await measureMessages({ bareGetItemP50: latency.bareGetItemP50, n: 100 })
    console.log(messages.markdown)

    console.log("\ncalendar: a member's day, free/busy, the reminder job …")
    const calendar = await measureCalendar({ bareGetItemP50: latency.bareGetItemP50, n: 100 })
    console.log(calendar.markdown)

    console.log('\ntodos: the todo centre, adding and ticking off …')
    const todos = await measureTodos({ bareGetItemP50: latency.bareGetItemP50, n: 100 })
    console.log(todos.markdown)

    console.log('\napprovals: awaiting my decision, my requests, a request, a decision …')
    const approvals = await measureApprovals({ bareGetItemP50: latency.bareGetItemP50, n: 100 })
    console.log(approvals.markdown)

    console.log('\ndrive: a quota check, a folder listing, an item …')
    const drive = await measureDrive({ bareGetItemP50: latency.bareGetItemP50, n: 100 })
    console.log(drive.markdown)

    console.log('\nsingle sign-on: authorize, token, userinfo …')
    const sso = await measureSso({ bareGetItemP50: latency.bareGetItemP50, n: 200 })
    console.log(sso.markdown)

    console.log('\ncost model: a member-day of 50 members, priced …')
    const cost = await measureCost({ initMs: bundles.initMs })
    console.log(cost.markdown)

    // last: it moves this process to a table of its own, with a stream
    console.log('\nprovisioning: a department of 5,000 granted to a bound app …')
    const provisioning = await measureProvisioning({ endpoint: dynamo.endpoint })
    console.log(provisioning.markdown)

    const taken = new Date().toISOString().slice(0, 10)
    const doc = `# Benchmarks

Taken ${taken} with \`npm run bench\` on ${cpus().length} cores, Node ${process.version}.

## Bundles and cold init
Each function bundled as deployed (esbuild: minified, CommonJS, Node 22 target, AWS SDK v3
bundled, the plugins of \`scripts/esbuild-plugins.cjs\`, no source map), next to a baseline bundle
holding only a DynamoDB document client
(\`bench/baseline-handler.ts\`). Init: time to \`require()\` the bundle in a fresh \`node\`
process, measured inside it, over ${bundles.runs} rounds that each start every bundle once (a busy
spell of the machine weighs on all of them alike).

${bundles.markdown}

The drive (2026-11) had brought the S3 client (about 115 KB with its middleware and XML code)
into every function that registered the capabilities' tenant hooks, because the drive's hook
deletes a released tenant's objects: content, marketplace, tenants and messages went to 2.0-2.2×.
Taken back the same month: the composition is in two parts, the opening's hooks
(lib/capabilities.ts: tenants, marketplace) and the jobs (lib/capability-jobs.ts: purge and due
work, the lifecycle only), and content, messages and messages-ws, which used neither, import
none; presigned addresses and POST forms are signed with the SigV4 signer the DynamoDB client
already carries (lib/media/presign.ts), so media, messages and approvals hold no S3 client (only
drive and lifecycle do); the xlsx import inflates with node:zlib instead of fflate, whose
load-time tables cost directory about 6 ms. From one \`--bundles\` run before and one after, in
init × baseline: tenants 2.11 → 1.70, content 2.19 → 1.69, marketplace 2.25 → 1.85, messages 2.09
→ 1.62, messages-ws 2.09 → 1.57, approvals 2.01 → 1.69, media 1.97 → 1.49, directory 2.05 → 1.81.
sso holds the OpenID provider (oidc-provider on Koa, about 300 KB) beyond what the others hold
and has the highest ratio; on this machine the ratios move by about ±0.05 between runs (sso
1.90–1.94× in five runs of 2026-11-26). Its excess over the baseline, measured as the baseline
plus one import (15–21 interleaved rounds): oidc-provider with Koa and jose 23.6 ms (0.38× of the
baseline), Koa alone 6.5 ms; left out of sso itself (experiments), libphonenumber-js about 4 ms
(its code more than its numbering plans: without the plans about 1 ms sooner, and loading it at
the first number read only about 1 ms sooner, so it stays) and Powertools' metrics 0.7 ms. Loading the provider at the first request
instead would only move its cost, which a cold OpenID request pays all the same, so it is not
done.
The last step (2026-11-26, sso 2.01–2.07× → 1.90–1.94×): the settings are read by small readers
instead of a zod schema, whose hundred instances and first parse cost every function about 5 ms
(lib/core/config.ts; media 1.54 → 1.47×); oidc-provider's \`debug\` is a stand-in with the same
DEBUG switch and lines but none of the terminal probing (tty, os, supports-color: about 2 ms);
the outbound resolver and its list of special-use networks are made at the first request out.
The same day, shapes other code needs were moved apart from the API schemas that carried them, so
importing one no longer builds the others (zod instances): members' contact-field visibility and
the service numbers (lib/tenants/contact-fields.ts; a tenant's view parses them: the tenants' and
platform's 340 out of portal, content and directory), the drive's sizes and node-id check
(lib/drive/rules.ts: 166 out of lifecycle), a member in a path (lib/directory/member-params.ts:
428 out of apps). Interleaved against the build before (21 rounds): portal about 9 ms sooner
(1.88 → 1.75× in that run), apps and lifecycle about 5.5 ms, directory 3, content 2.
Before it, sso's load had stopped building zod schemas it never uses (785 instances down to 306,
224 without the settings: what an app is 104, addresses 28, attribute values 23, the sign-in body
21, branding fields 17, pagination 13), six dynamodb-toolbox entities, oidc-provider's CIBA and
device-flow code and the grants of its switched-off features (switching one on fails when the
provider is built), depd's load-time line counting (it made V8 count the lines of the whole
bundle, about 1.5 ms), http-errors' 60-odd classes (each is built at its first read) and two
builtins nothing there uses; uploads have a function of their own (media), so sso holds no S3
code. Tried and left: zod's JSON Schema code (about 18 KB, under 1 ms: every string and number
schema reads its bounds through it), jose's encryption (about 17 KB: nothing checks
oidc-provider's encryption switch when the provider is built, so a stand-in could only fail at a
request), the phone metadata as a string for JSON.parse.
oidc-provider's Intl.ListFormat is built at its first use rather than at load, so a container's
first use of Intl pays for loading ICU's data: the portal's sorted app list about 8 ms, an error
message that lists parameters about 7 ms; authorize, token, userinfo and CAS validation never do.
Where sso's excess goes: V8 compiling the bundle before any of it runs took about 49 ms against
the baseline's 20 (\`vm.compileFunction\` of each, median of 7), so about half of the excess is
its size (about 36 µs a KB: 250 KB of oidc-provider, 100 of dynamodb-toolbox, 98 of zod, 86 of
libphonenumber-js, 43 of jose, 28 of the KMS client beyond what the baseline holds); the rest is
code running for the first time: zod's own code compiled at its first use (about 4 ms in every
function, paid by whichever schema comes first), dynamodb-toolbox's 33 entities in sso, the
provider's and Koa's module bodies. What is left is bytes and first-run code of packages a
sign-in needs; each further candidate measured is under 1 ms.

## Latency (in-process, against DynamoDB Local)
Handlers invoked in-process with API Gateway v2 events against DynamoDB Local on this machine,
after a warm-up; the ratio is to a bare GetItem of the tenant item on the same table. Requests
per call are counted by the application's DynamoDB client (its middleware counts every request
sent), not estimated. Login is dominated by the memory-hard scrypt verification by design.

${latency.markdown}

## Lifecycle and marketplace
One scheduled-lifecycle run over 10,000 tenants of which 20 are past expiry: DynamoDB requests
and items read are counted by the client (Query count + GetItem hits), not estimated. Then
KooGallery \`newInstance\` (signed, each a new customer: a whole tenant opened in one
transaction, including the admin's scrypt hash) against the same bare GetItem, through V1 and
through V2 (its order read from the open API's local stand-in over HTTP, AK/SK-signed; the nonce
recorded), and V2 \`queryInstance\` of one ready instance; requests counted by the client.

${lifecycle.markdown}

## Directory
A 1,000-row CSV import, as a dry run and then applied in one call (a tenant with 2,000 seats;
each added row is one transaction: member, seat, contact guards, login, department membership,
audit; "other requests" are the reads: contact guards in batches, the login guard and tenant per
row), then a members page, a page of a department subtree, and the tree of a tenant with 1,000
departments. Requests are counted by the application's DynamoDB client.

${directory.markdown}

## Unified authorisation
\`GET /v1/me/apps\` for a member in 10 departments and 20 groups who can open 30 apps: measured
once with only those apps and their 30 rules, then again after the tenant grows to 200 apps and
5,030 rules; the items it reads must not change. Then one rule granting an app to a department of
1,000 members (written straight to the table beforehand): the request returns once every member
holds the app (the entitlements are written in it, in transactions that check what they were
computed from). Requests are counted by the application's DynamoDB client.

${access.markdown}

## Home page and news feed
A member of a 2,000-seat industrial tenant: \`GET /v1/me/home\` (apps, today's schedule and todos,
the five latest news, unread announcements and their count, the web portal) and the first page of
\`GET /v1/me/feed\` (the three levels' news merged), counted once with 3 news items and 1
announcement, then after the tenant publishes 197 more items and 29 more announcements (each
delivered to its members) and gains 1,000 members: the requests must not change, and home stays
within 6. Then the member marks the 30 announcements read, and one again.

${home.markdown}

## Office tools
Each in process against DynamoDB Local, its requests counted by the application's client while the
tenant is small and again after it grows (the targets: every read at most 3 requests, the
session check included, whatever the tenant's size).

**Messages.** A send to a group of 50 members, each with a device connected, timed until it returns,
by when the WebSocket management API (a local stand-in answering at once) has taken the frame for
all 50 devices: our side of delivery (the send's transaction, the presence read, 50 posts). Then a
history page, the member's conversations and their unread total, before and after the tenant gains
1,000 members and the conversation 300 messages.

${messages.markdown}

**Calendar.** A member's day (single events and recurring series), free/busy of a colleague, before
and after a year of history, 20 series and 1,000 more members; then one run of the reminder job with
50 reminders due.

${calendar.markdown}

**Todos.** The todo centre's first page (open todos first, by due date, with the open count),
adding a todo and ticking one off, while the member has 5 todos and again after 300 (half of them
done) and 1,000 more members in the tenant.

${todos.markdown}

**Approvals.** A member's list of requests awaiting their decision, their own requests, one request
with its comments, and a decision (the applicant told), while the tenant is small and again after
300 more requests and 1,000 more members.

${approvals.markdown}

**Drive.** An upload's quota check (its reservation), a folder listing and an item's read, with the
drive empty and again with 300 folders and 500 files (presigning against a local S3 stand-in; no
byte is sent).

${drive.markdown}

## Single sign-on
An app written for the cloud workbench (OAuth2 dialect) and a member signed in once through the
tenant's hosted page: the tile click's authorization on that live browser session, the code's
exchange at the token endpoint, userinfo. In process against DynamoDB Local, through the SSO
function's handler (API Gateway events, the OpenID provider behind it).

${sso.markdown}

## Provisioning
An app bound to a provider of the workbench's sync interfaces (v2; a local provider that accepts
everything and counts), then one rule granting it to a department of 5,000 members (their
memberships written straight to the table beforehand): the calls the provider receives and the
users in each, DynamoDB requests from the grant until the provider holds all 5,000 (the grant
itself, the stream's consumers and the sender, counted by the application's client, all in this
process, on a table of its own with a stream), the time; then one member's change. The sender
waits up to 2 s of quiet before a call of fewer than 500 users (more of a burst may be coming).

${provisioning.markdown}

## Cost model
${cost.markdown}`
    writeFileSync(join(REPO_ROOT, 'docs', 'benchmarks.md'), doc)
    console.log('\nwrote docs/benchmarks.md')
  } finally {
    await dynamo.stop()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
