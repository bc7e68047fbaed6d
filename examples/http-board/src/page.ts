// The page served at `/`: the WebSocket demo's page, over HTTP.
import { boardPageHtml } from '../../demo-server/src/page';

export const PAGE_HTML = boardPageHtml({
  title: 'state-sync board over HTTP',
  heading: 'state-sync board (HTTP only)',
  note: 'Invalidations arrive over Server-Sent Events; each tab pulls the snapshot with a GET a cache could answer.',
});
