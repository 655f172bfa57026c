import { OpenInApp } from './OpenInApp';
import { handoffContext } from './server';

/** The "Open in the app" action of a product or category page (rendered for iPhone and iPad only). */
export async function AppHandoff({ path }: { path: string }) {
  const { platform, app } = await handoffContext();
  return <OpenInApp path={path} serverPlatform={platform} app={app} />;
}
