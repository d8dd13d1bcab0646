// @mattermost/client (Client4, what the web and desktop apps use) against ferromost, started
// empty by tests/clients/run.sh at FERROMOST_URL. Run with `node --test`.
'use strict';

const {test} = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const {Client4, WebSocketClient} = require('@mattermost/client');
const WS = require('ws');
const {waitFor} = require('./helpers');

// The client library reads WebSocket's constants from the global, which Node 20 lacks.
globalThis.WebSocket ??= WS;

const URL_BASE = process.env.FERROMOST_URL;
const PASSWORD = 'Passw0rd!long';

function client(token) {
    const c = new Client4();
    c.setUrl(URL_BASE);
    if (token) {
        c.setToken(token);
    }
    return c;
}

// What Client4 throws carries the server's error id and status.
async function rejectsWith(promise, status, id) {
    await assert.rejects(promise, (err) => {
        assert.equal(err.status_code, status, err.message);
        assert.equal(err.server_error_id, id);
        return true;
    });
}

// RFC 6238 with Mattermost's parameters: SHA-1, 6 digits, 30-second steps.
function totp(secret, step) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let bits = '';
    for (const ch of secret.replace(/=+$/, '').toUpperCase()) {
        bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
    }
    const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(step));
    const mac = crypto.createHmac('sha1', key).update(counter).digest();
    const offset = mac[mac.length - 1] & 0xf;
    const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
    return String(code).padStart(6, '0');
}

// The whole first run, in order: each step needs the one before.
const state = {};

test('first run: the client config says no account exists, the first one is the admin', async () => {
    const anonymous = client();
    const config = await anonymous.getClientConfig();
    assert.equal(config.NoAccounts, 'true');
    assert.equal(config.Version, '10.11.0');
    const admin = await anonymous.createUser({username: 'admin', email: 'admin@example.com', password: PASSWORD});
    assert.ok(admin.roles.split(' ').includes('system_admin'));
    assert.equal((await anonymous.getClientConfig()).NoAccounts, 'false');
    await rejectsWith(
        anonymous.createUser({username: 'intruder', email: 'intruder@example.com', password: PASSWORD}),
        403, 'api.user.create_user.no_open_server',
    );
});

test('login takes the token from the Token header; me and a patch of me', async () => {
    const admin = client();
    const me = await admin.login('admin', PASSWORD);
    assert.equal(me.username, 'admin');
    assert.ok(admin.getToken());
    assert.equal((await admin.getMe()).id, me.id);
    const patched = await admin.patchMe({nickname: 'boss'});
    assert.equal(patched.nickname, 'boss');
    state.admin = admin;
    state.adminId = me.id;
    // The full client config comes with a session.
    const full = await admin.getClientConfig();
    assert.equal(full.EnableUserAccessTokens, 'false');
    assert.ok(full.MaxPostSize);
});

test('a cookie session: reads freely, writes with the CSRF token (strict mode)', async () => {
    await state.admin.patchConfig({ServiceSettings: {ExperimentalStrictCSRFEnforcement: true}});
    const login = await fetch(`${URL_BASE}/api/v4/users/login`, {
        method: 'POST',
        body: JSON.stringify({login_id: 'admin', password: PASSWORD}),
    });
    assert.equal(login.status, 200);
    const cookies = Object.fromEntries(login.headers.getSetCookie().map((c) => c.split(';')[0].split('=')));
    assert.ok(cookies.MMAUTHTOKEN && cookies.MMCSRF && cookies.MMUSERID);
    const browser = new Client4();
    browser.setUrl(URL_BASE);
    browser.setIncludeCookies(true);
    browser.defaultHeaders.Cookie = `MMAUTHTOKEN=${cookies.MMAUTHTOKEN}; MMUSERID=${cookies.MMUSERID}; MMCSRF=${cookies.MMCSRF}`;
    assert.equal((await browser.getMe()).username, 'admin');
    // Strict mode: X-Requested-With (which Client4 always sends) is not enough.
    await rejectsWith(browser.patchMe({position: 'x'}), 401, 'api.context.session_expired.app_error');
    browser.setCSRF(cookies.MMCSRF);
    assert.equal((await browser.patchMe({position: 'Admin'})).position, 'Admin');
    await state.admin.patchConfig({ServiceSettings: {ExperimentalStrictCSRFEnforcement: false}});
});

test('teams, channels, posts, replies, reactions, pins and search', async () => {
    const admin = state.admin;
    const team = await admin.createTeam({name: 'client4', display_name: 'Client4', type: 'O'});
    assert.deepEqual((await admin.getMyTeams()).map((t) => t.id), [team.id]);
    const channel = await admin.createChannel({team_id: team.id, name: 'js', display_name: 'JS', type: 'O'});
    assert.equal((await admin.getChannelByName(team.id, 'js')).id, channel.id);
    const root = await admin.createPost({channel_id: channel.id, message: 'from Client4', pending_post_id: `${state.adminId}:1`});
    assert.equal(root.pending_post_id, `${state.adminId}:1`);
    const reply = await admin.createPost({channel_id: channel.id, message: 'threaded', root_id: root.id});
    const thread = await admin.getPostThread(root.id);
    assert.deepEqual(new Set(thread.order), new Set([root.id, reply.id]));
    const page = await admin.getPosts(channel.id);
    assert.ok(page.order.includes(root.id));
    const reaction = await admin.addReaction(state.adminId, root.id, 'tada');
    assert.equal(reaction.emoji_name, 'tada');
    assert.equal((await admin.getReactionsForPost(root.id)).length, 1);
    await admin.pinPost(root.id);
    assert.equal((await admin.getPost(root.id)).is_pinned, true);
    const found = await admin.searchPosts(team.id, 'Client4', false);
    assert.deepEqual(found.order, [root.id]);
    await admin.viewMyChannel(channel.id);
    await admin.savePreferences(state.adminId, [{user_id: state.adminId, category: 'display_settings', name: 'channel_display_mode', value: 'full'}]);
    const status = await admin.updateStatus({user_id: state.adminId, status: 'away'});
    assert.equal(status.status, 'away');
    // The sidebar the web app draws: defaults, then a custom category taking the channel.
    const sidebar = await admin.getChannelCategories(state.adminId, team.id);
    assert.deepEqual(sidebar.categories.map((c) => c.type), ['favorites', 'channels', 'direct_messages']);
    assert.ok(sidebar.categories[1].channel_ids.includes(channel.id));
    const work = await admin.createChannelCategory(state.adminId, team.id, {
        team_id: team.id, user_id: state.adminId, type: 'custom', display_name: 'Work',
        sorting: '', channel_ids: [channel.id], muted: false, collapsed: false,
    });
    const order = await admin.getChannelCategoryOrder(state.adminId, team.id);
    assert.equal(order[1], work.id);
    const after = await admin.getChannelCategories(state.adminId, team.id);
    assert.ok(!after.categories.find((c) => c.type === 'channels').channel_ids.includes(channel.id));
});

test('files: uploadFile as the web app sends it, a post taking the files, getFileInfosForPost, searchFiles', async () => {
    const admin = state.admin;
    const team = await admin.createTeam({name: 'sharing', display_name: 'Sharing', type: 'O'});
    const channel = await admin.createChannel({team_id: team.id, name: 'uploads', display_name: 'Uploads', type: 'O'});
    const form = new FormData();
    form.append('channel_id', channel.id);
    form.append('client_ids', 'web-1');
    form.append('files', new Blob(['hello from Client4\n'], {type: 'text/plain'}), 'hello.txt');
    const uploaded = await admin.uploadFile(form);
    assert.deepEqual(uploaded.client_ids, ['web-1']);
    const info = uploaded.file_infos[0];
    assert.equal(info.name, 'hello.txt');
    assert.equal(info.size, 19);
    const post = await admin.createPost({channel_id: channel.id, message: 'attached', file_ids: [info.id]});
    assert.deepEqual(post.file_ids, [info.id]);
    const infos = await admin.getFileInfosForPost(post.id);
    assert.deepEqual(infos.map((f) => [f.id, f.post_id]), [[info.id, post.id]]);
    const found = await admin.searchFiles(team.id, 'hello', false);
    assert.deepEqual(found.order, [info.id]);
    assert.equal(found.file_infos[info.id].name, 'hello.txt');
    const none = await admin.searchFiles(team.id, 'ext:pdf', false);
    assert.deepEqual([none.order, none.file_infos], [[], {}]);
    const response = await fetch(admin.getFileUrl(info.id, 0), {headers: {Authorization: `Bearer ${admin.getToken()}`}});
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'hello from Client4\n');
});

// A 4×4 orange PNG.
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP438AARwzEcQB+ohfxXaFgBQAAAABJRU5ErkJggg==', 'base64');

test('custom emoji: createCustomEmoji as the web app sends it, used as a reaction, looked up and deleted', async () => {
    const admin = state.admin;
    const team = await admin.createTeam({name: 'emoji', display_name: 'Emoji', type: 'O'});
    const channel = await admin.createChannel({team_id: team.id, name: 'reacting', display_name: 'Reacting', type: 'O'});
    const emoji = await admin.createCustomEmoji({name: 'ferris', creator_id: state.adminId}, new Blob([TINY_PNG], {type: 'image/png'}));
    assert.equal(emoji.name, 'ferris');
    const post = await admin.createPost({channel_id: channel.id, message: 'react with ferris'});
    const reaction = await admin.addReaction(state.adminId, post.id, 'ferris');
    assert.equal(reaction.emoji_name, 'ferris');
    assert.deepEqual((await admin.getReactionsForPost(post.id)).map((r) => r.emoji_name), ['ferris']);
    // What the web app asks when it renders reactions: the custom names among them.
    const byNames = await admin.getCustomEmojisByNames(['ferris', 'smile']);
    assert.deepEqual(byNames.map((e) => e.id), [emoji.id]);
    assert.deepEqual((await admin.getCustomEmojis(0, 60, 'name')).map((e) => e.name), ['ferris']);
    assert.deepEqual((await admin.autocompleteCustomEmoji('fer')).map((e) => e.id), [emoji.id]);
    assert.deepEqual((await admin.searchCustomEmoji('rri', {prefix_only: false})).map((e) => e.id), [emoji.id]);
    const image = await fetch(admin.getCustomEmojiImageUrl(emoji.id), {headers: {Authorization: `Bearer ${admin.getToken()}`}});
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), TINY_PNG);
    await assert.rejects(admin.createCustomEmoji({name: 'ferris', creator_id: state.adminId}, new Blob([TINY_PNG], {type: 'image/png'})),
        (e) => e.status_code === 400 && e.server_error_id === 'api.emoji.create.duplicate.app_error');
    assert.deepEqual(await admin.deleteCustomEmoji(emoji.id), {status: 'OK'});
    await assert.rejects(admin.getCustomEmojiByName('ferris'), (e) => e.status_code === 404);
    assert.deepEqual(await admin.getReactionsForPost(post.id), []);
});

test('channel bookmarks as the web app makes them: a link, a file uploaded for bookmarks, an edit, a new order, a deletion', async () => {
    const admin = state.admin;
    const team = await admin.createTeam({name: 'bookmarked', display_name: 'Bookmarked', type: 'O'});
    const channel = await admin.createChannel({team_id: team.id, name: 'handbook', display_name: 'Handbook', type: 'O'});
    const docs = await admin.createChannelBookmark(channel.id, {display_name: 'Docs', type: 'link', link_url: 'https://example.com/docs', emoji: ':books:'}, '');
    assert.equal(docs.sort_order, 0);
    const form = new FormData();
    form.append('channel_id', channel.id);
    form.append('files', new Blob(['agenda\n'], {type: 'text/plain'}), 'agenda.txt');
    const uploaded = await admin.uploadFile(form, true);
    const fileId = uploaded.file_infos[0].id;
    const agenda = await admin.createChannelBookmark(channel.id, {display_name: 'Agenda', type: 'file', file_id: fileId}, '');
    assert.deepEqual([agenda.sort_order, agenda.file.name], [1, 'agenda.txt']);
    const edited = await admin.updateChannelBookmark(channel.id, docs.id, {display_name: 'Handbook docs'}, '');
    assert.equal(edited.updated.display_name, 'Handbook docs');
    const sorted = await admin.updateChannelBookmarkSortOrder(channel.id, agenda.id, 0, '');
    assert.deepEqual(sorted.map((b) => b.display_name), ['Agenda', 'Handbook docs']);
    assert.deepEqual((await admin.getChannelBookmarks(channel.id)).map((b) => b.id), [agenda.id, docs.id]);
    const deleted = await admin.deleteChannelBookmark(channel.id, docs.id, '');
    assert.ok(deleted.delete_at > 0);
    const since = await admin.getChannelBookmarks(channel.id, deleted.delete_at);
    assert.ok(since.some((b) => b.id === docs.id && b.delete_at > 0));
});

test('the WebSocketClient: hello, posted events in sequence, replies, typing and statuses', async () => {
    const admin = state.admin;
    const team = await admin.createTeam({name: 'sockets', display_name: 'Sockets', type: 'O'});
    const channel = await admin.createChannel({team_id: team.id, name: 'live', display_name: 'Live', type: 'O'});
    const ws = new WebSocketClient({newWebSocketFn: (url) => new WS(url), clientPingInterval: 60000});
    const seen = [];
    ws.addMessageListener((msg) => seen.push(msg));
    const hello = waitFor(ws, (msg) => msg.event === 'hello');
    ws.initialize(`${URL_BASE.replace(/^http/, 'ws')}/api/v4/websocket`, admin.getToken(), true);
    const greeting = await hello;
    assert.equal(greeting.seq, 0);
    assert.equal(greeting.data.connection_id.length, 26);
    assert.equal(greeting.broadcast.user_id, state.adminId);

    const posted = waitFor(ws, (msg) => msg.event === 'posted');
    const made = await admin.createPost({channel_id: channel.id, message: 'live from Client4'});
    const event = await posted;
    assert.equal(JSON.parse(event.data.post).id, made.id);
    assert.equal(event.data.channel_name, 'live');
    assert.equal(event.data.team_id, team.id);
    assert.equal(event.broadcast.channel_id, channel.id);
    // The client checks every event's number; a gap would have made it reconnect.
    assert.deepEqual(seen.map((m) => m.seq), [...seen.keys()]);

    const pong = await new Promise((resolve) => ws.ping(resolve));
    assert.equal(pong.status, 'OK');
    assert.equal(pong.data.text, 'pong');
    const statuses = await new Promise((resolve) => ws.getStatusesByIds([state.adminId], resolve));
    assert.ok(['online', 'away', 'dnd', 'offline'].includes(statuses.data[state.adminId]));
    const typed = await new Promise((resolve) => ws.userTyping(channel.id, '', resolve));
    assert.equal(typed.status, 'OK');
    ws.close();
});

test('the WebSocketClient resumes after its connection drops: nothing lost, no gap', async () => {
    const admin = state.admin;
    const channel = await admin.getChannelByName((await admin.getTeamByName('client4')).id, 'js');
    // As the web app connects: the session cookie on the upgrade, no challenge (only
    // such a connection can be resumed, as on Mattermost).
    const cookie = `MMAUTHTOKEN=${admin.getToken()}`;
    const ws = new WebSocketClient({
        newWebSocketFn: (url) => new WS(url, {headers: {Cookie: cookie}}), clientPingInterval: 60000,
        minWebSocketRetryTime: 50, reconnectJitterRange: 10,
    });
    const seen = [];
    let missed = 0;
    ws.addMessageListener((msg) => seen.push(msg));
    ws.addMissedMessageListener(() => missed++);
    const hello = waitFor(ws, (msg) => msg.event === 'hello');
    ws.initialize(`${URL_BASE.replace(/^http/, 'ws')}/api/v4/websocket`);
    const first = await hello;
    await waitFor(ws, (msg) => msg.event === 'status_change').catch(() => null);
    const reconnected = new Promise((resolve) => ws.addReconnectListener(resolve));
    // The connection drops (no close handshake); a post is made while it is down.
    ws.conn.terminate();
    const made = await admin.createPost({channel_id: channel.id, message: 'while you were away'});
    await reconnected;
    const posted = await waitFor(ws, (msg) => msg.event === 'posted' && JSON.parse(msg.data.post).id === made.id);
    assert.ok(posted);
    assert.equal(missed, 0, 'the client had to resync');
    assert.equal(ws.connectionId, first.data.connection_id);
    assert.equal(seen.filter((m) => m.event === 'hello').length, 1);
    assert.deepEqual(seen.map((m) => m.seq), [...seen.keys()]);
    ws.close();
});

test('MFA: no code, a wrong code, a fresh code, and a replayed one', async () => {
    const admin = state.admin;
    await rejectsWith(admin.generateMfaSecret(state.adminId), 501, 'mfa.mfa_disabled.app_error');
    await admin.patchConfig({ServiceSettings: {EnableMultifactorAuthentication: true}});
    const {secret, qr_code: qr} = await admin.generateMfaSecret(state.adminId);
    assert.ok(secret && qr);
    const step = Math.floor(Date.now() / 30000);
    await admin.updateUserMfa(state.adminId, true, totp(secret, step));
    const fresh = client();
    await rejectsWith(fresh.login('admin', PASSWORD), 401, 'mfa.validate_token.authenticate.app_error');
    const valid = new Set([step - 1, step, step + 1, step + 2].map((s) => totp(secret, s)));
    const wrong = ['000000', '111111', '222222'].find((c) => !valid.has(c));
    await rejectsWith(fresh.login('admin', PASSWORD, wrong), 401, 'api.user.check_user_mfa.bad_code.app_error');
    const next = totp(secret, step + 1);
    assert.equal((await fresh.login('admin', PASSWORD, next)).username, 'admin');
    await rejectsWith(client().login('admin', PASSWORD, next), 401, 'api.user.check_user_mfa.bad_code.app_error');
    // Turning MFA off ends the user's other sessions.
    await admin.updateUserMfa(state.adminId, false);
    await rejectsWith(fresh.getMe(), 401, 'api.context.session_expired.app_error');
    assert.equal((await admin.getMe()).id, state.adminId);
});

// A token endpoint and a slash command's integration on loopback: what they received.
async function oauthServices() {
    const seen = [];
    const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => {
            body += chunk;
        });
        req.on('end', () => {
            seen.push({path: req.url, authorization: req.headers.authorization || '', body});
            const form = new URLSearchParams(body);
            res.setHeader('Content-Type', 'application/json');
            if (req.url === '/token') {
                const ok = form.get('client_secret') === 'js-secret';
                res.statusCode = ok ? 200 : 401;
                res.end(JSON.stringify(ok ? {access_token: `js-token-${seen.length}`, token_type: 'bearer'} : {error: 'invalid_client'}));
                return;
            }
            res.end(JSON.stringify({text: 'deployed'}));
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {base: `http://127.0.0.1:${server.address().port}`, seen, server};
}

test('outgoing OAuth connections as the integrations pages use them; a command gets the token', async () => {
    const admin = state.admin;
    await admin.patchConfig({ServiceSettings: {EnableOutgoingOAuthConnections: true, AllowedUntrustedInternalConnections: '127.0.0.1'}});
    const {base, seen, server} = await oauthServices();
    try {
        const team = await admin.createTeam({name: 'connjs', display_name: 'Connections JS', type: 'O'});
        const channel = await admin.createChannel({team_id: team.id, name: 'deploys', display_name: 'Deploys', type: 'O'});
        const draft = {
            name: 'Deployer', client_id: 'js-client', client_secret: 'js-secret',
            oauth_token_url: `${base}/token`, grant_type: 'client_credentials', audiences: [`${base}/cmd`],
        };
        // The form's "validate" button, then saving.
        assert.equal((await admin.validateOutgoingOAuthConnection(team.id, draft)).status, 'OK');
        await rejectsWith(admin.validateOutgoingOAuthConnection(team.id, {...draft, client_secret: 'wrong'}),
            400, 'ent.outgoing_oauth_connections.authenticate.app_error');
        const made = await admin.createOutgoingOAuthConnection(team.id, draft);
        assert.equal(made.client_secret, undefined);
        assert.deepEqual(made.audiences, [`${base}/cmd`]);
        assert.deepEqual((await admin.getOutgoingOAuthConnections(team.id)).map((c) => c.id), [made.id]);
        const matched = await admin.getOutgoingOAuthConnectionsForAudience(team.id, `${base}/cmd/deploy`);
        assert.equal(matched[0].id, made.id);
        const edited = await admin.editOutgoingOAuthConnection(team.id, {id: made.id, name: 'Deploy bot'});
        assert.equal(edited.name, 'Deploy bot');
        assert.equal((await admin.getOutgoingOAuthConnection(team.id, made.id)).name, 'Deploy bot');
        // A command under the audience: its integration gets a bearer token from the endpoint.
        await admin.addCommand({team_id: team.id, trigger: 'deployjs', url: `${base}/cmd/deploy`, method: 'P', display_name: 'Deploy'});
        await admin.executeCommand('/deployjs now', {channel_id: channel.id, team_id: team.id});
        const call = seen.filter((s) => s.path === '/cmd/deploy').pop();
        assert.match(call.authorization, /^Bearer js-token-\d+$/);
        await admin.deleteOutgoingOAuthConnection(made.id);
        assert.deepEqual(await admin.getOutgoingOAuthConnections(team.id), []);
    } finally {
        server.close();
    }
});

test('the System Console\'s file storage test: testS3Connection with the config shown', async () => {
    const admin = state.admin;
    const config = await admin.getConfig();
    assert.equal(config.FileSettings.DriverName, 'local');
    // Mattermost requires a bucket named whatever the driver.
    await rejectsWith(admin.testS3Connection({...config, FileSettings: {...config.FileSettings, AmazonS3Bucket: ''}}),
        400, 'api.admin.test_s3.missing_s3_bucket');
    const named = {...config, FileSettings: {...config.FileSettings, AmazonS3Bucket: 'named'}};
    assert.deepEqual(await admin.testS3Connection(named), {status: 'OK'});
    await rejectsWith(admin.testS3Connection({...named, FileSettings: {DriverName: 'local'}}),
        400, 'api.file.test_connection_s3_settings_nil.app_error');
    const name = `s3test${Date.now()}`;
    await admin.createUser({username: name, email: `${name}@example.com`, password: PASSWORD});
    const user = client();
    await user.login(name, PASSWORD);
    await rejectsWith(user.testS3Connection(named), 403, 'api.context.permissions.app_error');
});

test('plugins as the web app and the System Console ask for them: none installed', async () => {
    const admin = state.admin;
    assert.deepEqual(await client().getWebappPlugins(), []);
    assert.deepEqual(await admin.getPlugins(), {active: [], inactive: []});
    assert.deepEqual(await admin.getPluginStatuses(), []);
    await rejectsWith(admin.enablePlugin('com.example.demo'), 404, 'app.plugin.not_installed.app_error');
    await rejectsWith(admin.disablePlugin('com.example.demo'), 404, 'app.plugin.not_installed.app_error');
    await rejectsWith(admin.removePlugin('com.example.demo'), 404, 'app.plugin.not_installed.app_error');
    await rejectsWith(admin.enablePlugin('ab'), 400, 'api.context.invalid_url_param.app_error');
    // The System Console records the first admin visit to the marketplace.
    assert.equal((await admin.getFirstAdminVisitMarketplaceStatus()).name, 'FirstAdminVisitMarketplace');
    assert.deepEqual(await admin.setFirstAdminVisitMarketplaceStatus(), {status: 'OK'});
    assert.deepEqual(await admin.getFirstAdminVisitMarketplaceStatus(), {name: 'FirstAdminVisitMarketplace', value: 'true'});
});

test('an admin patches the config; logout ends the session', async () => {
    const admin = state.admin;
    const saved = await admin.patchConfig({TeamSettings: {SiteName: 'Client4 site'}});
    assert.equal(saved.TeamSettings.SiteName, 'Client4 site');
    assert.equal((await client().getClientConfig()).SiteName, 'Client4 site');
    const token = admin.getToken();
    await admin.logout();
    await rejectsWith(client(token).getMe(), 401, 'api.context.session_expired.app_error');
});
