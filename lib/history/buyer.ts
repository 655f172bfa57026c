/**
 * A first-party cookie that says only "this browser has ordered here" (never what): the server renders the
 * "Buy it again" shelf's empty row for it, so the device's list fills a row that is already there instead
 * of pushing the page down; a browser without it gets no such shelf. Set and cleared by lib/history/store.ts.
 */
export const BUYER_COOKIE = 'tandem_buyer';
