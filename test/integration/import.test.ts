import { handler as directory } from '../../functions/directory/handler.js'
import { handler as tenants } from '../../functions/tenants/handler.js'
import { parseCsv } from '../../lib/directory/csv.js'
import { MAX_NEW_DEPARTMENTS } from '../../lib/directory/department-paths.js'
import { useTestTable } from '../support/dynamo.js'
import { login, openTenant, platformFixture } from '../support/fixtures.js'
import { call } from '../support/lambda.js'
import { deflatedRepeat, writeWorkbook } from '../support/xlsx-writer.js'

useTestTable()

/** 1,000 rows, every 20th one bad in a different way, spread over a few departments. */
const file = (rows: number) => {
  const lines = ['name,mobile,email,employeeNo,departments']
  for (let i = 1; i <= rows; i++) {
    const dept = ['Plant 1/Assembly', 'Plant 1/Paint', 'Office'][i % 3]
    if (i % 20 === 0) {
      const bad = [
        `,+86139${String(i).padStart(8, '0')},,E${i},${dept}`,
        `No Contact ${i},,,E${i},${dept}`,
        `Bad Mail ${i},,not-an-email,E${i},${dept}`,
        `Bad Phone ${i},12,,E${i},${dept}`,
      ][(i / 20) % 4]
      lines.push(bad as string)
    } else {
      lines.push(`"Worker, ${i}",+86139${String(i).padStart(8, '0')},w${i}@plant.test,E${i},${dept}`)
    }
  }
  return lines.join('\n')
}

describe('member import and export', () => {
  let platformToken: string
  beforeAll(async () => {
    ;({ platformToken } = await platformFixture())
  })

  it('imports 1,000 rows with 50 bad ones: a dry run first, 950 in, 50 reported, a re-run changes nothing', async () => {
    const t = await openTenant(platformToken, {
      planCode: 'industrial.professional-enhanced',
      industry: 'industrial',
    })
    const content = file(1000)
    const dry = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content, dryRun: true },
    })
    expect(dry.status).toBe(200)
    expect(dry.body.summary).toMatchObject({ rows: 1000, wouldAdd: 950, refused: 50, added: 0 })
    expect(dry.body.summary.departmentsToCreate.sort()).toEqual([
      'Office',
      'Plant 1/Assembly',
      'Plant 1/Paint',
    ])
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(1)
    const refused = dry.body.rows.filter((r: { outcome: string }) => r.outcome === 'refused')
    expect(refused.every((r: { reason?: string }) => r.reason && r.reason.length > 0)).toBe(true)
    expect(refused.map((r: { row: number }) => r.row)).toEqual(
      Array.from({ length: 50 }, (_, k) => (k + 1) * 20 + 1),
    )

    const applied = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content, dryRun: false },
    })
    expect(applied.body.summary).toMatchObject({ rows: 1000, added: 950, refused: 50 })
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(951)
    const sample = applied.body.rows.find((r: { outcome: string }) => r.outcome === 'added')
    expect(sample.initialPassword).toEqual(expect.any(String))
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body.items
    expect(tree.map((d: { name: string }) => d.name).sort()).toEqual(['Office', 'Plant 1'])

    const again = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content, dryRun: false },
    })
    expect(again.body.summary).toMatchObject({
      added: 0,
      unchanged: 950,
      refused: 50,
      departmentsCreated: [],
    })
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(951)

    const exported = await call(directory, 'GET', '/v1/members/export', { token: t.accessToken })
    expect(exported.headers['content-type']).toContain('text/csv')
    const rows = parseCsv(String(exported.body))
    expect(rows[0]).toEqual(['name', 'mobile', 'email', 'employeeNo', 'status', 'departments'])
    expect(rows).toHaveLength(952)
    expect(rows.find((r) => r[0] === 'Worker, 7')?.[5]).toBe('Plant 1/Paint')
  }, 180_000)

  it('holds the seat limit and never lets a bad row block a good one', async () => {
    const t = await openTenant(platformToken, { planCode: 'general.basic' })
    const content = file(60)
    const applied = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content, dryRun: false },
    })
    expect(applied.body.summary.added).toBe(49)
    expect((await call(tenants, 'GET', '/v1/tenant', { token: t.accessToken })).body.usage.members).toBe(50)
    const seatRefusals = applied.body.rows.filter((r: { reason?: string }) =>
      r.reason?.startsWith('SEAT_LIMIT_REACHED'),
    )
    expect(seatRefusals.length).toBe(57 - 49)
  })

  it("imports the same rows from an .xlsx workbook's first tab", async () => {
    const t = await openTenant(platformToken)
    const rows = parseCsv(file(30)).map((r, i) =>
      i > 0 && r[1] ? [r[0], Number(r[1].replace('+', '')), ...r.slice(2)] : r,
    ) as (string | number)[][]
    // The members tab was dragged in front of an older tab, whose part is still sheet1.xml.
    const content = writeWorkbook(
      [
        { name: 'Members', rows },
        {
          name: 'Old',
          rows: [
            ['name', 'email'],
            ['Former', 'former@plant.test'],
          ],
        },
      ],
      { partNumbers: [2, 1] },
    ).toString('base64')
    const applied = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'xlsx', content, dryRun: false },
    })
    expect(applied.body.summary).toMatchObject({ rows: 30, added: 29, refused: 1 })
    const one = await call(directory, 'GET', '/v1/members', {
      token: t.accessToken,
      query: { q: '8613900000007' }, // a spreadsheet keeps the number, not its '+'
    })
    expect(one.body.items[0]).toMatchObject({ name: 'Worker, 7', email: 'w7@plant.test' })
    const garbage = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'xlsx', content: Buffer.from('not a zip').toString('base64') },
    })
    expect(garbage.status).toBe(400)
  })

  it('refuses a workbook that inflates past the cap with a 400, without inflating all of it', async () => {
    const t = await openTenant(platformToken)
    // ~400 MB of one byte in ~2.5 MB (eight times the cap, about what 4 MB of base64 carries),
    // its size declared truthfully: a reader that sized its buffers by it would take it all.
    const runs = 1_550_000
    const bomb = { deflated: deflatedRepeat(0x61, runs), declaredSize: 1 + runs * 258 }
    const content = writeWorkbook([{ name: 'Sheet1', part: bomb }]).toString('base64')
    expect(content.length).toBeLessThan(4_000_000)
    const peakKb = process.resourceUsage().maxRSS
    const res = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'xlsx', content },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.details).toEqual([
      { path: 'body.content', message: expect.stringContaining('more than 50 MB') },
    ])
    // The process's peak memory grew by far less than the 400 MB the part would inflate to.
    expect((process.resourceUsage().maxRSS - peakKb) / 1024).toBeLessThan(200)
  })

  it('imports departments from a path column, once, even when two imports of the file race', async () => {
    const t = await openTenant(platformToken)
    const long = 'L'.repeat(101)
    const content = `path\nPlant 1/Assembly\nPlant 1 / Paint\n"Office"\n\n/\nplant 1/assembly\nPlant 1\nA;B\nX/${long}\n`
    const outcomes = (res: { body: { rows: { row: number; outcome: string }[] } }) =>
      res.body.rows.map((r) => [r.row, r.outcome])
    const dry = await call(directory, 'POST', '/v1/departments/import', {
      token: t.accessToken,
      body: { format: 'csv', content },
    })
    expect(outcomes(dry)).toEqual([
      [2, 'would-create'],
      [3, 'would-create'],
      [4, 'would-create'],
      [6, 'refused'],
      [7, 'unchanged'],
      [8, 'unchanged'], // created along the way by row 2
      [9, 'refused'],
      [10, 'refused'],
    ])
    expect(dry.body.rows[6].reason).toContain('one path a row')
    expect(dry.body.rows[7].reason).toContain('100')
    const applied = await Promise.all(
      [1, 2].map(() =>
        call(directory, 'POST', '/v1/departments/import', {
          token: t.accessToken,
          body: { format: 'csv', content, dryRun: false },
        }),
      ),
    )
    expect(applied.map((r) => r.status)).toEqual([200, 200])
    const created = applied.flatMap((r) =>
      r.body.rows.filter((x: { outcome: string }) => x.outcome === 'created'),
    )
    expect(created.length).toBeGreaterThanOrEqual(3) // each path created by one import or the other
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body.items
    expect(
      tree.map((d: { name: string; children: { name: string }[] }) => [
        d.name,
        d.children.map((c) => c.name),
      ]),
    ).toEqual([
      ['Office', []],
      ['Plant 1', ['Assembly', 'Paint']],
    ])
    const again = await call(directory, 'POST', '/v1/departments/import', {
      token: t.accessToken,
      body: { format: 'csv', content, dryRun: false },
    })
    expect(again.body.rows.filter((r: { outcome: string }) => r.outcome === 'created')).toHaveLength(0)
    const audit = await call(directory, 'GET', '/v1/tenant/audit', {
      token: t.accessToken,
      query: { limit: '100' },
    })
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('departments.import')
    const noPath = await call(directory, 'POST', '/v1/departments/import', {
      token: t.accessToken,
      body: { format: 'csv', content: 'name\nOffice\n' },
    })
    expect(noPath.status).toBe(400)
    expect(noPath.body.error.details).toEqual([
      { path: 'body.content', message: 'the header needs a path column' },
    ])
  })

  it('reads back its own export: every row of one tenant imports into another with the same values', async () => {
    const [a, b] = [await openTenant(platformToken), await openTenant(platformToken)]
    // Values a spreadsheet would run as formulas, which the export defuses with a leading '.
    const source = [
      'name,mobile,email,employeeNo,departments',
      '@Li Lei,+8613900000001,li.lei@corp.test,-7,=Ops;Plant 1/Assembly',
      "=Wang,,wang@corp.test,+E2,'quoted",
      '+Zhao,+8613900000003,,@3,',
    ].join('\n')
    const seeded = await call(directory, 'POST', '/v1/members/import', {
      token: a.accessToken,
      body: { format: 'csv', content: source, dryRun: false },
    })
    expect(seeded.body.summary).toMatchObject({ added: 3, refused: 0 })
    const exportOf = async (token: string) =>
      String((await call(directory, 'GET', '/v1/members/export', { token })).body)
    const exported = await exportOf(a.accessToken)
    expect(exported).toContain("'+8613900000001") // defused on the way out

    const dry = await call(directory, 'POST', '/v1/members/import', {
      token: b.accessToken,
      body: { format: 'csv', content: exported },
    })
    expect(dry.body.summary).toMatchObject({ rows: 4, wouldAdd: 4, refused: 0 }) // a's admin too
    await call(directory, 'POST', '/v1/members/import', {
      token: b.accessToken,
      body: { format: 'csv', content: exported, dryRun: false },
    })
    const rowsOf = (csv: string, without?: string) =>
      parseCsv(csv)
        .slice(1)
        .filter((r) => r.length > 1 && r[2] !== without)
        .sort((x, y) => String(x[2]).localeCompare(String(y[2])))
    expect(rowsOf(await exportOf(b.accessToken), b.identifier)).toEqual(rowsOf(exported))
    const members = await call(directory, 'GET', '/v1/members', {
      token: b.accessToken,
      query: { q: 'li.lei@corp.test' },
    })
    expect(members.body.items[0]).toMatchObject({
      name: '@Li Lei',
      mobile: '+8613900000001',
      employeeNo: '-7',
    })
  })

  it('refuses department paths deeper than the tree allows, row by row, in the dry run and the apply', async () => {
    const t = await openTenant(platformToken)
    const deep = (root: string, levels: number) =>
      [root, ...Array.from({ length: levels - 1 }, (_, i) => `L${i + 2}`)].join('/')
    const content = ['path', deep('Fifteen', 15), deep('Sixteen', 16), deep('Huge', 1200), 'Office'].join(
      '\n',
    )
    for (const dryRun of [true, false]) {
      const res = await call(directory, 'POST', '/v1/departments/import', {
        token: t.accessToken,
        body: { format: 'csv', content, dryRun },
      })
      expect(res.body.rows.map((r: { outcome: string }) => r.outcome)).toEqual(
        dryRun
          ? ['would-create', 'refused', 'refused', 'would-create']
          : ['created', 'refused', 'refused', 'created'],
      )
      expect(res.body.rows[1].reason).toBe('path: 16 levels deep; departments nest at most 15')
      expect(res.body.rows[2].reason).toBe('path: 1200 levels deep; departments nest at most 15')
    }
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body.items
    expect(tree.map((d: { name: string }) => d.name).sort()).toEqual(['Fifteen', 'Office'])

    const members = [
      'name,email,departments',
      `Deep,deep@corp.test,Office;${deep('Sixteen', 16)}`,
      `Fine,fine@corp.test,${deep('Fifteen', 15)}`,
    ].join('\n')
    const imported = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content: members, dryRun: false },
    })
    expect(imported.body.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['refused', 'added'])
    expect(imported.body.rows[0].reason).toBe('departments: 16 levels deep; departments nest at most 15')
    expect(imported.body.summary.departmentsCreated).toEqual([])
  })

  it(`creates at most ${MAX_NEW_DEPARTMENTS} departments a call; the rest on the next run, nothing twice`, async () => {
    const t = await openTenant(platformToken)
    const extra = 20
    const content = [
      'path',
      ...Array.from({ length: MAX_NEW_DEPARTMENTS + extra }, (_, i) => `Team ${i + 1}`),
    ].join('\n')
    const run = async (dryRun: boolean) => {
      const res = await call(directory, 'POST', '/v1/departments/import', {
        token: t.accessToken,
        body: { format: 'csv', content, dryRun },
      })
      const count: Record<string, number> = {}
      for (const r of res.body.rows as { outcome: string }[]) count[r.outcome] = (count[r.outcome] ?? 0) + 1
      return { count, rows: res.body.rows as { row: number; outcome: string; reason?: string }[] }
    }
    const dry = await run(true)
    expect(dry.count).toEqual({ 'would-create': MAX_NEW_DEPARTMENTS, refused: extra })
    expect(dry.rows.at(-1)?.reason).toContain('run the file again')
    const first = await run(false)
    expect(first.count).toEqual({ created: MAX_NEW_DEPARTMENTS, refused: extra })
    expect(first.rows.filter((r) => r.outcome === 'refused').map((r) => r.row)).toEqual(
      Array.from({ length: extra }, (_, i) => MAX_NEW_DEPARTMENTS + i + 2),
    )
    const second = await run(false)
    expect(second.count).toEqual({ unchanged: MAX_NEW_DEPARTMENTS, created: extra })
    const tree = (await call(directory, 'GET', '/v1/departments', { token: t.accessToken })).body.items
    expect(tree).toHaveLength(MAX_NEW_DEPARTMENTS + extra)

    // Member rows: each names a new 15-level path, so the budget runs out part-way through a row;
    // a later row whose departments are already planned still gets in.
    const levels = (root: string) => [root, ...Array.from({ length: 14 }, (_, i) => `L${i + 2}`)].join('/')
    const fit = Math.floor(MAX_NEW_DEPARTMENTS / 15)
    const members = [
      'name,email,departments',
      ...Array.from({ length: fit + 1 }, (_, i) => `P${i},p${i}@corp.test,${levels(`Root ${i}`)}`),
      `Again,again@corp.test,${levels('Root 0')}`,
      `New,new@corp.test,Elsewhere`,
    ].join('\n')
    const outcomes = async (dryRun: boolean) => {
      const res = await call(directory, 'POST', '/v1/members/import', {
        token: t.accessToken,
        body: { format: 'csv', content: members, dryRun },
      })
      return res.body.rows.map((r: { outcome: string; reason?: string }) => r.reason ?? r.outcome)
    }
    const waits = `one import creates at most ${MAX_NEW_DEPARTMENTS} departments: run the file again to create the rest`
    const expected = (ok: string) => [...Array(fit).fill(ok), waits, ok, waits]
    expect(await outcomes(true)).toEqual(expected('would-add'))
    expect(await outcomes(false)).toEqual(expected('added'))
    expect(await outcomes(false)).toEqual([...Array(fit).fill('unchanged'), 'added', 'unchanged', 'added'])
  }, 180_000)

  it('refuses a file without a name column, and keeps export to admins with the permission', async () => {
    const t = await openTenant(platformToken)
    const bad = await call(directory, 'POST', '/v1/members/import', {
      token: t.accessToken,
      body: { format: 'csv', content: 'foo,bar\n1,2' },
    })
    expect(bad.status).toBe(400)
    const added = await call(directory, 'POST', '/v1/members', {
      token: t.accessToken,
      body: { name: 'Reader', email: `reader-${Date.now()}@x.test` },
    })
    const reader = await login(added.body.member.email, added.body.initialPassword)
    expect((await call(directory, 'GET', '/v1/members/export', { token: reader.accessToken })).status).toBe(
      403,
    )
  })
})
