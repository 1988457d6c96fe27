/** The browser's half of the OAuth `state`: a callback from another browser cannot complete a flow. */
export const STATE_COOKIE = 'sb_google_oauth_state';
export const STATE_COOKIE_PATH = '/api/google/oauth';
