import autocannon from 'autocannon';
let n = 0;
const r = await autocannon({ url: process.argv[2], connections: 10, duration: Number(process.argv[3] ?? 8), requests: [{ method: 'POST', path: '/scheduler/jobs', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ id: `posted-${n++}`, func: 'examples:echo', trigger: 'interval', minutes: 30, args: ['hello'], kwargs: { n } }) }) }] });
console.log('POST req/s', r.requests.average, 'non2xx', r.non2xx);
