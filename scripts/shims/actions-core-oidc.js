// Build-time stand-in for @actions/core's OIDC client (see scripts/build.mjs): the real module, and with it
// @actions/http-client and undici, is loaded on the first getIDToken call instead of at every action's start.
export const OidcClient = {
  async getIDToken(audience) {
    const real = await import('../../node_modules/@actions/core/lib/oidc-utils.js');
    return real.OidcClient.getIDToken(audience);
  },
};
