// Two ferromost nodes on one PostgreSQL database (tests/clients/run.sh starts them at
// FERROMOST_URL and FERROMOST_URL_B): @mattermost/client's WebSocketClient on each node,
// each hearing the other's posts, a client's presence held by its connection on either
// node. Run with `node --test`.
'use strict';

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {Client4, WebSocketClient} = require('@mattermost/client');
const WS = require('ws');
const {waitFor} = require('./helpers');

globalThis.WebSocket ??= WS;

const NODE_A = process.env.FERROMOST_URL;
const NODE_B = process.env.FERROMOST_URL_B;
const PASSWORD = 'Passw0rd!long';

function client(url, token) {
    const c = new Client4();
    c.setUrl(url);
    if (token) {
        c.setToken(token);
    }
    return c;
}

async function socketOn(url, token, seen) {
    const ws = new WebSocketClient({newWebSocketFn: (u) => new WS(u), clientPingInterval: 60000});
    ws.addMessageListener((msg) => seen.push(msg));
    const hello = waitFor(ws, (msg) => msg.event === 'hello');
    ws.initialize(`${url.replace(/^http/, 'ws')}/api/v4/websocket`, token, true);
    await hello;
    return ws;
}

test('a client on each node hears the posts made on the other, in order, once', async () => {
    const setup = client(NODE_A);
    await setup.createUser({username: 'admin', email: 'admin@example.com', password: PASSWORD});
    await setup.login('admin', PASSWORD);
    const other = await setup.createUser({username: 'bee', email: 'bee@example.com', password: PASSWORD});
    const team = await setup.createTeam({name: 'nodes', display_name: 'Nodes', type: 'O'});
    await setup.addToTeam(team.id, other.id);
    const channel = await setup.createChannel({team_id: team.id, name: 'both', display_name: 'Both', type: 'O'});
    await setup.addToChannel(other.id, channel.id);
    const onB = client(NODE_B);
    await onB.login('bee', PASSWORD);

    const seenA = [];
    const seenB = [];
    const wsA = await socketOn(NODE_A, setup.getToken(), seenA);
    const wsB = await socketOn(NODE_B, onB.getToken(), seenB);

    const messages = ['one', 'two', 'three'];
    const all = waitFor(wsB, () => seenB.filter((m) => m.event === 'posted').length === messages.length);
    for (const message of messages) {
        await setup.createPost({channel_id: channel.id, message});
    }
    await all;
    const heardB = seenB.filter((m) => m.event === 'posted').map((m) => JSON.parse(m.data.post).message);
    assert.deepEqual(heardB, messages);

    const reply = waitFor(wsA, (m) => m.event === 'posted' && JSON.parse(m.data.post).message === 'from B');
    await onB.createPost({channel_id: channel.id, message: 'from B'});
    const event = await reply;
    assert.equal(event.data.sender_name, '@bee');
    assert.equal(event.data.channel_name, 'both');
    // Every event numbered in order on each connection, none twice.
    for (const seen of [seenA, seenB]) {
        assert.deepEqual(seen.map((m) => m.seq), [...seen.keys()]);
    }

    // Presence is the cluster's: bee connected on B is online as node A reports it too.
    const status = await setup.getStatus(other.id);
    assert.equal(status.status, 'online');
    wsA.close();
    wsB.close();
});
