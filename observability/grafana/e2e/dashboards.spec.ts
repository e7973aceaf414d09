/**
 * @module Against a running Grafana (`GRAFANA_URL`) with this repository's provisioning: every provisioned
 * dashboard opens, every panel query completes, no panel shows an error, and no panel of any type (time series,
 * stat, heatmap) says "No data" or shows NaN (except panels that need a mesh the user does not run). Run with
 * `npm run test:grafana`.
 */
import { expect, test } from '@grafana/plugin-e2e';
import { emptyValueIn, MESH_ENV, meshUnderTest, mustShowData, provisionedDashboards } from './checks.ts';

const mesh = meshUnderTest(process.env[MESH_ENV]);

for (const dashboard of provisionedDashboards()) {
  test(`${dashboard.title} (${dashboard.uid}) renders every panel with data`, async ({
    gotoDashboardPage,
    selectors,
  }) => {
    const page = await gotoDashboardPage({ uid: dashboard.uid });
    await page.waitForPanelsQueriesToComplete({ scrollAll: true, timeout: 60_000 });
    await expect(page).not.toHavePanelErrors();
    for (const info of dashboard.panels) {
      const panel = page.getPanelByTitle(info.title);
      await panel.scrollIntoView();
      await expect(panel.locator, `panel "${info.title}" is missing`).toBeVisible();
      await expect(panel.getErrorIcon(), `panel "${info.title}" shows an error`).toHaveCount(0);
      if (mustShowData(info, mesh)) {
        const noData = page.getByGrafanaSelector(selectors.components.Panels.Panel.PanelDataErrorMessage, {
          root: panel.locator,
        });
        await expect(noData, `panel "${info.title}" shows "No data"`).toHaveCount(0);
        // Stat panels print "No data" as their value, not as the error message above; ratios of 0/0 print NaN.
        // biome-ignore lint/performance/useDomNodeTextContent: a Playwright Locator, not a DOM node; what is rendered is what a user reads.
        const shown = emptyValueIn(await panel.locator.innerText());
        expect(shown, `panel "${info.title}" (${info.type}) shows "${shown}"`).toBeUndefined();
      }
    }
  });
}
