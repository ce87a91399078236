// Albums, tags and shared albums against wrangler dev: organising is
// metadata only (keys and URLs never change), filters read through their
// indexes, every change is audited, and a shared page shows its album and
// nothing else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../support/stack.mjs';
import { fixture, uniquePng } from './helpers.mjs';
import { caller, said, uploadForm } from './calls.mjs';

let stack;
let call;

before(async () => {
  stack = await startStack();
  call = caller(stack);
});
after(() => stack?.stop());

let sequence = 0;
const next = () => ++sequence;

async function ok(method, path, options) {
  const answer = await call(method, path, options);
  assert.ok(answer.status >= 200 && answer.status < 300, `${method} ${path}: ${said(answer)}`);
  return answer.body;
}

async function upload(name = `photo-${next()}.png`, query = '') {
  return ok('POST', `/upload${query}`, { body: uploadForm(await uniquePng(`albums-${next()}`), { name }) });
}

const album = async (name, parent_id = null) => (await ok('POST', '/albums', { json: { name, parent_id } })).album;
const listing = (query) => ok('GET', `/query?${query}`);
const ids = (body) => body.results.map((image) => image.id);

describe('albums', () => {
  test('nest three levels at most, refuse loops and names a sibling has', async () => {
    const travel = await album('Travel');
    const japan = await album('Japan', travel.id);
    const kyoto = await album('Kyoto', japan.id);
    assert.equal(kyoto.parent_id, japan.id);
    const fourth = await call('POST', '/albums', { json: { name: 'Temples', parent_id: kyoto.id } });
    assert.equal(fourth.status, 400, said(fourth));
    assert.match(fourth.body.message, /3 levels/);
    const loop = await call('PATCH', `/albums?id=${travel.id}`, { json: { parent_id: kyoto.id } });
    assert.equal(loop.status, 400, said(loop));
    const twin = await call('POST', '/albums', { json: { name: 'japan', parent_id: travel.id } });
    assert.equal(twin.status, 409, said(twin));
    // The same name elsewhere in the tree is fine.
    assert.equal((await album('Japan')).parent_id, null);
    const slash = await call('POST', '/albums', { json: { name: 'a/b' } });
    assert.equal(slash.status, 400, said(slash));
    const parentless = await call('POST', '/albums', { json: { name: 'Orphan', parent_id: 999999 } });
    assert.equal(parentless.status, 400, said(parentless));
    const withSubAlbums = await call('DELETE', `/albums?id=${japan.id}`);
    assert.equal(withSubAlbums.status, 409, said(withSubAlbums));
  });

  test('hold images many-to-many without touching keys or URLs, and filters use their counters', async () => {
    const cats = await album(`Cats ${next()}`);
    const best = await album(`Best ${next()}`);
    const images = [];
    for (let i = 0; i < 5; i++) images.push(await upload());
    const urlsBefore = await Promise.all(images.map((image) => call('GET', `/i/${image.object_key}`, { token: null })));
    const added = await ok('POST', `/albums/images?id=${cats.id}`, { json: { add: images.map((i) => i.id) } });
    assert.deepEqual([added.added, added.removed], [5, 0]);
    await ok('POST', `/albums/images?id=${best.id}`, { json: { add: [images[0].id, images[1].id] } });

    const page = await call('GET', `/query?album=${cats.id}&pageSize=2`);
    assert.equal(page.status, 200, said(page));
    assert.deepEqual(ids(page.body), [images[4].id, images[3].id]);
    assert.equal(page.body.total, 5);
    // A page of 2 in an album: its 2 links, the 2 rows and the counter.
    const rowsRead = Number(page.headers.get('x-d1-rows-read'));
    assert.ok(rowsRead <= 6, `a page of 2 read ${rowsRead} rows`);
    assert.equal(page.body.results[0].albums, undefined, 'labels only when asked for');
    const rest = await listing(`album=${cats.id}&pageSize=2&cursor=${page.body.next_cursor}`);
    assert.deepEqual(ids(rest), [images[2].id, images[1].id]);

    const first = (await listing(`album=${best.id}&labels=1`)).results.find((image) => image.id === images[0].id);
    assert.deepEqual(first.albums.sort(), [cats.id, best.id].sort());
    assert.equal(first.object_key, images[0].object_key);
    assert.equal(first.image_url, images[0].url);

    // Moving between albums: out of one, into the other, keys unchanged.
    const moved = await ok('POST', `/albums/images?id=${best.id}`, { json: { add: [images[4].id], from_album_id: cats.id } });
    assert.equal(moved.added, 1);
    assert.equal((await listing(`album=${cats.id}`)).total, 4);
    assert.equal((await listing(`album=${best.id}`)).total, 3);
    const urlsAfter = await Promise.all(images.map((image) => call('GET', `/i/${image.object_key}`, { token: null })));
    assert.deepEqual(urlsAfter.map((a) => a.status), urlsBefore.map((a) => a.status));

    // The trash takes an image out of its albums' counts and listings; a
    // restore brings it back into them.
    await ok('DELETE', `/delete?id=${images[1].id}`);
    const whileTrashed = await listing(`album=${best.id}`);
    assert.equal(whileTrashed.total, 2);
    assert.ok(!ids(whileTrashed).includes(images[1].id));
    await ok('POST', `/trash/restore?id=${images[1].id}`);
    assert.equal((await listing(`album=${best.id}`)).total, 3);

    // Deleting an album leaves its images where they are.
    const gone = await ok('DELETE', `/albums?id=${cats.id}`);
    assert.equal(gone.removed, true);
    for (const image of images) assert.equal((await call('GET', `/i/${image.object_key}`, { token: null })).status, 200);
    const empty = await call('GET', `/query?album=${cats.id}`);
    assert.deepEqual([empty.status, empty.body.total, empty.body.results.length], [200, 0, 0]);
    const albums = (await ok('GET', '/albums')).albums;
    assert.ok(!albums.some((a) => a.id === cats.id));
    assert.equal(albums.find((a) => a.id === best.id).image_count, 3);
  });

  test('a move leaves an image trashed meanwhile where it was, and a removed cover is no cover', async () => {
    const from = await album(`From ${next()}`);
    const to = await album(`To ${next()}`);
    const kept = await upload();
    const trashed = await upload();
    await ok('POST', `/albums/images?id=${from.id}`, { json: { add: [kept.id, trashed.id] } });
    await ok('PATCH', `/albums?id=${from.id}`, { json: { cover_image_id: kept.id } });
    await ok('DELETE', `/delete?id=${trashed.id}`);
    const moved = await ok('POST', `/albums/images?id=${to.id}`, { json: { add: [kept.id, trashed.id], from_album_id: from.id } });
    assert.equal(moved.added, 1);
    await ok('POST', `/trash/restore?id=${trashed.id}`);
    assert.deepEqual(ids(await listing(`album=${from.id}`)), [trashed.id]);
    assert.deepEqual(ids(await listing(`album=${to.id}`)), [kept.id]);
    const albums = (await ok('GET', '/albums')).albums;
    assert.equal(albums.find((a) => a.id === from.id).cover_image_id ?? null, null, 'the moved cover left its album');
  });

  test('a cover is one of the album\'s own images', async () => {
    const covered = await album(`Covered ${next()}`);
    const inside = await upload();
    const outside = await upload();
    await ok('POST', `/albums/images?id=${covered.id}`, { json: { add: [inside.id] } });
    const refused = await call('PATCH', `/albums?id=${covered.id}`, { json: { cover_image_id: outside.id } });
    assert.equal(refused.status, 400, said(refused));
    const set = await ok('PATCH', `/albums?id=${covered.id}`, { json: { cover_image_id: inside.id, name: 'Renamed cover' } });
    assert.deepEqual([set.album.cover_image_id, set.album.name], [inside.id, 'Renamed cover']);
  });

  test('an album shows where its cover is seen: the thumbnail, else the image; none once trashed', async () => {
    const covered = await album(`Cover url ${next()}`);
    const plain = await upload();
    const body = uploadForm(await uniquePng(`albums-${next()}`), { name: 'thumbed.png', thumbnail: await fixture('small.webp') });
    const thumbed = await ok('POST', '/upload', { body });
    assert.ok(thumbed.thumbnail_url, 'the upload kept its thumbnail');
    await ok('POST', `/albums/images?id=${covered.id}`, { json: { add: [plain.id, thumbed.id] } });
    const coverOf = async () => (await ok('GET', '/albums')).albums.find((a) => a.id === covered.id);
    assert.equal((await coverOf()).cover_url ?? null, null);

    const set = await ok('PATCH', `/albums?id=${covered.id}`, { json: { cover_image_id: plain.id } });
    assert.equal(set.album.cover_url, plain.url);
    await ok('PATCH', `/albums?id=${covered.id}`, { json: { cover_image_id: thumbed.id } });
    const listed = await coverOf();
    assert.equal(listed.cover_url, thumbed.thumbnail_url);
    const seen = await fetch(listed.cover_url);
    assert.equal(seen.status, 200);
    assert.equal(seen.headers.get('content-type'), 'image/webp');

    await ok('DELETE', `/delete?id=${thumbed.id}`);
    const trashed = await coverOf();
    assert.deepEqual([trashed.cover_image_id ?? null, trashed.cover_url ?? null], [null, null]);
  });
});

describe('tags', () => {
  test('are added and removed in bulk, filter alone, together and with search, and count live images', async () => {
    const names = [`sunset-${next()}.png`, `sunrise-${next()}.png`, `noon-${next()}.png`];
    const images = [];
    for (const name of names) images.push(await upload(name));
    const all = images.map((image) => image.id);
    const tagged = await ok('POST', '/tags/images', { json: { image_ids: all, add: ['Sky', 'orange'] } });
    assert.equal(tagged.added, 6);
    await ok('POST', '/tags/images', { json: { image_ids: [all[2]], remove: ['orange'] } });

    const sky = await call('GET', '/query?tag=sky');
    assert.equal(sky.body.total, 3);
    const both = await listing('tag=sky&tag=ORANGE&labels=1');
    assert.deepEqual(ids(both).sort(), [all[0], all[1]].sort());
    assert.equal(both.total, 2);
    const searched = await listing('tag=orange&search=sunr');
    assert.deepEqual(ids(searched), [all[1]]);
    assert.equal(searched.total, 1);
    assert.deepEqual(both.results[0].tags.sort(), ['orange', 'sky']);

    const tags = (await ok('GET', '/tags')).tags;
    assert.deepEqual(tags.filter((t) => ['sky', 'orange'].includes(t.name)), [
      { name: 'orange', image_count: 2 },
      { name: 'sky', image_count: 3 },
    ]);
    await ok('DELETE', `/delete?id=${all[0]}`);
    assert.equal((await ok('GET', '/tags')).tags.find((t) => t.name === 'orange').image_count, 1);

    const bad = await call('GET', '/query?tag=a%2Cb');
    assert.equal(bad.status, 400, said(bad));
    const badAlbum = await call('GET', '/query?album=x');
    assert.equal(badAlbum.status, 400, said(badAlbum));

    await ok('DELETE', '/tags?name=sky');
    assert.equal((await listing('tag=sky')).total, 0);
    assert.equal((await call('DELETE', '/tags?name=sky')).status, 404);
  });

  test('bulk requests are capped and refuse what is not a tag', async () => {
    const many = Array.from({ length: 501 }, (_, i) => i + 1);
    const tooMany = await call('POST', '/tags/images', { json: { image_ids: many, add: ['x'] } });
    assert.equal(tooMany.status, 400, said(tooMany));
    const comma = await call('POST', '/tags/images', { json: { image_ids: [1], add: ['a,b'] } });
    assert.equal(comma.status, 400, said(comma));
    const junk = await call('POST', '/albums/images?id=1', { json: 'not json' });
    assert.ok([400, 404].includes(junk.status), said(junk));
  });
});

describe('uploads', () => {
  test('go into an album with tags, also when the bytes are already stored; an unknown album stores nothing', async () => {
    const inbox = await album(`Inbox ${next()}`);
    const bytes = await uniquePng(`labelled-${next()}`);
    const first = await ok('POST', `/upload?album=${inbox.id}&tags=draft,Blog`, { body: uploadForm(bytes) });
    assert.deepEqual(first.albums, [inbox.id]);
    assert.deepEqual(first.tags, ['draft', 'blog']);
    const listed = (await listing(`album=${inbox.id}&labels=1`)).results;
    assert.deepEqual(listed.map((image) => image.id), [first.id]);
    assert.deepEqual(listed[0].tags.sort(), ['blog', 'draft']);

    const other = await album(`Other ${next()}`);
    const again = await ok('POST', `/upload?album=${other.id}`, { body: uploadForm(bytes) });
    assert.equal(again.duplicate, true);
    assert.deepEqual(ids(await listing(`album=${other.id}`)), [first.id]);

    // A token that may only upload labels what it adds, not an image that
    // was there: its bytes could otherwise reach any image.
    const uploader = (await ok('POST', '/tokens', { json: { name: `uploader-${next()}`, scopes: ['upload'] } })).token;
    const elsewhere = await album(`Elsewhere ${next()}`);
    const sent = await call('POST', `/upload?album=${elsewhere.id}&tags=sneaky`, { body: uploadForm(bytes), token: uploader });
    assert.equal(sent.status, 200, said(sent));
    assert.equal(sent.body.duplicate, true);
    assert.equal(sent.body.albums, undefined);
    assert.equal((await listing(`album=${elsewhere.id}`)).total, 0);
    assert.equal((await listing('tag=sneaky')).total, 0);
    const fresh = await call('POST', `/upload?album=${elsewhere.id}&tags=own`, {
      body: uploadForm(await uniquePng(`uploader-${next()}`)),
      token: uploader,
    });
    assert.equal(fresh.status, 200, said(fresh));
    assert.deepEqual(ids(await listing(`album=${elsewhere.id}&tag=own`)), [fresh.body.id]);

    const before = (await ok('GET', '/stats')).image_count;
    const unknown = await call('POST', '/upload?album=999999', { body: uploadForm(await uniquePng(`nowhere-${next()}`)) });
    assert.equal(unknown.status, 400, said(unknown));
    assert.equal((await ok('GET', '/stats')).image_count, before);
  });
});

describe('shared albums', () => {
  test('show their images and nothing else, stop at once when revoked, and expire', async () => {
    const shared = await album(`Holiday <b>${next()}`);
    const secret = await album(`Secret ${next()}`);
    const inside = await upload(`beach-${next()}.png`);
    const outside = await upload(`private-${next()}.png`);
    await ok('POST', `/albums/images?id=${shared.id}`, { json: { add: [inside.id] } });
    await ok('POST', `/albums/images?id=${secret.id}`, { json: { add: [outside.id] } });

    const made = await ok('PATCH', `/albums?id=${shared.id}`, { json: { share: { expires_at: null } } });
    const link = made.album.share.url;
    assert.match(link, /\/a\/[0-9a-f]{32}$/);
    const again = await ok('PATCH', `/albums?id=${shared.id}`, { json: { share: { expires_at: null } } });
    assert.equal(again.album.share.url, link, 'sharing again keeps the link');

    const page = await fetch(link);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.headers.get('content-security-policy'), /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /<html lang="en">/);
    assert.ok(html.includes(`&lt;b&gt;`), 'the album name is escaped');
    assert.ok(html.includes(inside.original_name));
    assert.ok(html.includes(`/i/${inside.object_key}`));
    assert.ok(!html.includes(outside.original_name), 'no image of another album');
    assert.ok(!html.includes(secret.name), 'no other album');
    assert.ok(!/<script/i.test(html), 'works without JavaScript');
    assert.ok(!html.includes(stack.token));
    assert.ok(!html.includes('og:image'), 'no cover, no preview image');

    // A link preview shows the album's name and its cover.
    const covered = await ok('PATCH', `/albums?id=${shared.id}`, { json: { cover_image_id: inside.id } });
    const withCover = await (await fetch(link)).text();
    const previewImage = withCover.match(/<meta property="og:image" content="([^"]+)">/)?.[1];
    assert.equal(previewImage, covered.album.cover_url);
    assert.equal((await fetch(previewImage)).status, 200);
    assert.match(withCover, /<meta property="og:title" content="Holiday &lt;b&gt;\d+">/);

    const wrong = await fetch(link.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    assert.equal(wrong.status, 404);

    await ok('PATCH', `/albums?id=${shared.id}`, { json: { share: null } });
    assert.equal((await fetch(link)).status, 404, 'revoked at once');

    const soon = Date.now() + 1500;
    const expiring = await ok('PATCH', `/albums?id=${shared.id}`, { json: { share: { expires_at: soon } } });
    assert.equal((await fetch(expiring.album.share.url)).status, 200);
    await new Promise((done) => setTimeout(done, soon - Date.now() + 200));
    assert.equal((await fetch(expiring.album.share.url)).status, 404, 'expired');
    const listed = (await ok('GET', '/albums')).albums.find((a) => a.id === shared.id);
    assert.equal(listed.share ?? null, null, 'an expired link is not listed as shared');
    const renewed = await ok('PATCH', `/albums?id=${shared.id}`, { json: { share: { expires_at: null } } });
    assert.notEqual(renewed.album.share.url, expiring.album.share.url, 'sharing again after expiry makes a new link');
    assert.equal((await fetch(expiring.album.share.url)).status, 404);
    assert.equal((await fetch(renewed.album.share.url)).status, 200);

    const past = await call('PATCH', `/albums?id=${shared.id}`, { json: { share: { expires_at: 1 } } });
    assert.equal(past.status, 400, said(past));
  });
});

test('every change is in the audit log', async () => {
  const audited = await album(`Audited ${next()}`);
  const image = await upload();
  await ok('POST', `/albums/images?id=${audited.id}`, { json: { add: [image.id] } });
  await ok('POST', '/tags/images', { json: { image_ids: [image.id], add: ['audited'] } });
  await ok('PATCH', `/albums?id=${audited.id}`, { json: { name: `Audited again ${next()}` } });
  await ok('DELETE', '/tags?name=audited');
  await ok('DELETE', `/albums?id=${audited.id}`);
  const log = (await ok('GET', '/audit?limit=6')).results.map((entry) => entry.action);
  assert.deepEqual(log, ['album_delete', 'tag_delete', 'album_update', 'tags', 'album_images', 'upload']);
});
