/**
 * The invitation mail links here (/transfer.html#id=…&token=…) and so does the in-app notice
 * (/transfer.html#id=…, no token): the links the API writes in src/tickets/transfers.service.ts.
 * The offer is accepted on My tickets, so forward there with the fragment (it never reaches a
 * server) and without a history entry for this stop.
 */
const params = new URLSearchParams(location.hash.slice(1));
const id = params.get('id');
const token = params.get('token');
location.replace(
  id
    ? `/tickets.html#transfer=${encodeURIComponent(id)}${token ? `&token=${encodeURIComponent(token)}` : ''}`
    : '/tickets.html',
);
