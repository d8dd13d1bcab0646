// Corteza's own JavaScript client (@cortezaproject/corteza-js 2020.9, what Corteza's web
// apps use) against ferromost's Corteza system API, and its tokens on Mattermost's API
// through @mattermost/client. ferromost is started empty by tests/clients/run.sh at
// FERROMOST_URL. Run with `node --test`.
'use strict';

const {test} = require('node:test');
const assert = require('node:assert/strict');
const {apiClients} = require('@cortezaproject/corteza-js');
const {Client4} = require('@mattermost/client');

const URL_BASE = process.env.FERROMOST_URL;
const PASSWORD = 'Passw0rd!long';

function system(jwt) {
    return new apiClients.System({baseURL: `${URL_BASE}/api/system`, jwt});
}

// What the client rejects with on a Corteza error: the envelope's `error` object.
async function refused(promise, message) {
    await assert.rejects(promise, (err) => {
        assert.equal(err.message, message);
        return true;
    });
}

test('Corteza\'s client signs up, manages users, roles and its own objects', async () => {
    const anonymous = system();
    const settings = await anonymous.authSettings();
    assert.equal(settings.internalEnabled, true);

    // The first account signs up through Corteza and is an administrator.
    const first = await anonymous.authInternalSignup({
        email: 'owner@example.com', password: PASSWORD, handle: 'owner', name: 'Olive Owner',
    });
    assert.deepEqual(first.user.roles, ['2']);
    // The client takes the token (it refuses one of 100 characters or fewer).
    assert.ok(first.jwt.length > 100);
    const admin = system(first.jwt);
    assert.equal(admin.jwt, first.jwt);

    // The same token works on Mattermost's API.
    const mattermost = new Client4();
    mattermost.setUrl(URL_BASE);
    mattermost.setToken(first.jwt);
    const me = await mattermost.getMe();
    assert.equal(me.username, 'owner');
    assert.ok(me.roles.includes('system_admin'));

    // Users: create, set a password, list, read.
    const basic = await admin.userCreate({email: 'basic@example.com', name: 'Basic User', handle: 'basic'});
    await admin.userSetPassword({userID: basic.userID, password: PASSWORD});
    const listed = await admin.userList({query: 'basic'});
    assert.deepEqual(listed.set.map((u) => u.userID), [basic.userID]);
    const signedIn = await anonymous.authInternalLogin({email: 'basic@example.com', password: PASSWORD});
    const user = system(signedIn.jwt);
    assert.equal((await user.userRead({userID: basic.userID})).handle, 'basic');

    // Roles and membership, seen from Mattermost too.
    const role = await admin.roleCreate({name: 'Support', handle: 'support', members: [basic.userID]});
    assert.deepEqual(await admin.roleMemberList({roleID: role.roleID}), [basic.userID]);
    const checked = await user.authCheck();
    assert.ok(checked.user.roles.includes(role.roleID));
    const basicInMattermost = await mattermost.getUserByUsername('basic');
    assert.ok(basicInMattermost.roles.split(' ').includes('support'));

    // Permissions: an ordinary user cannot create applications.
    await refused(user.applicationCreate({name: 'Nope'}), 'not allowed to create applications');
    const crm = await admin.applicationCreate({name: 'CRM', enabled: true, unify: {listed: true, url: 'https://crm.example'}});
    assert.equal(crm.unify.url, 'https://crm.example');
    const apps = await user.applicationList({});
    assert.deepEqual(apps.set.map((a) => a.name), ['CRM']);

    // Reminders: created, listed, snoozed, dismissed.
    const reminder = await user.reminderCreate({
        resource: 'compose:record:1', assignedTo: basic.userID, payload: {note: 'call back'},
        remindAt: '2030-01-01T10:00:00Z',
    });
    const mine = await user.reminderList({assignedTo: basic.userID});
    assert.deepEqual(mine.set.map((r) => r.reminderID), [reminder.reminderID]);
    await user.reminderSnooze({reminderID: reminder.reminderID, remindAt: '2030-01-02T10:00:00Z'});
    await user.reminderDismiss({reminderID: reminder.reminderID});
    const read = await user.reminderRead({reminderID: reminder.reminderID});
    assert.equal(read.snoozeCount, 1);
    assert.equal(read.remindAt, '2030-01-02T10:00:00Z');
    assert.equal(read.dismissedBy, basic.userID);

    // Settings, and what the web apps read at start.
    await refused(user.settingsList({}), 'not allowed to read settings');
    assert.equal(await admin.settingsUpdate({values: [{name: 'ui.one.title', value: 'Ferro One'}]}), true);
    assert.equal((await admin.settingsGet({key: 'ui.one.title'})).value, 'Ferro One');
    assert.equal((await user.settingsCurrent()).ui.one.title, 'Ferro One');

    // Organisations, and a role moved into one.
    const organisation = await admin.organisationCreate({name: 'Acme'});
    await admin.roleMove({roleID: role.roleID, organisationID: organisation.organisationID});
    assert.equal((await admin.roleRead({roleID: role.roleID})).organisationID, organisation.organisationID);

    // The action log is Mattermost's audit trail.
    const log = await admin.actionlogList({resource: 'system:user', actorID: [basic.userID]});
    assert.ok(log.set.length > 0);
    assert.ok(log.set.every((e) => e.actorID === basic.userID));

    // Signing out ends the session, on both APIs.
    assert.equal(await user.authLogout(), true);
    await refused(user.authCheck(), 'not authenticated');
    const ended = new Client4();
    ended.setUrl(URL_BASE);
    ended.setToken(signedIn.jwt);
    await assert.rejects(ended.getMe(), (err) => err.status_code === 401);
});
