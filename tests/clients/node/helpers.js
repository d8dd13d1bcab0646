// What the node suites share: waiting for a websocket message.
'use strict';

// Resolves with the first message `listener` is true of, or rejects after `ms`.
function waitFor(ws, listener, ms = 5000) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such websocket message')), ms);
        const check = (msg) => {
            if (listener(msg)) {
                clearTimeout(timer);
                ws.removeMessageListener(check);
                resolve(msg);
            }
        };
        ws.addMessageListener(check);
    });
}

module.exports = {waitFor};
