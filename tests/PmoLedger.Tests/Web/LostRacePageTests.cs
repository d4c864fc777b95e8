using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class LostRacePageTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task a_page_write_that_loses_a_race_answers_409_keeps_the_form_and_saves_on_the_next_submit()
    {
        var admin = AdminHeaders();
        const string email = "rita.race@example.org";
        (await Context.APIRequest.PostAsync("/api/practitioners", new()
        {
            Headers = admin, DataObject = new { fullName = "Rita Race", email }
        })).Status.ShouldBe(201);
        var id = await Fixture.PractitionerIdOf(email);

        await SignIn(email);
        await Page.GotoAsync("/me/cpd");
        await Page.GetByLabel("Category").SelectOptionAsync("professional-education");
        await Page.GetByLabel("Points (1 point = 1 hour)").FillAsync("2");
        await Page.GetByLabel("What you did").FillAsync("Read the portfolio office handbook");
        await Page.GetByLabel("What you learned").FillAsync("How a portfolio office sets priorities across programmes.");

        // An administrator records a role on the same record between the page's read and its commit.
        var otherWrite = 0;
        Fixture.Race.Arm(id, async () =>
        {
            var response = await Context.APIRequest.PostAsync($"/api/practitioners/{id}/roles", new()
            {
                Headers = admin,
                DataObject = new
                {
                    title = "PMO analyst", roleFamily = "analyst", employmentType = "permanent", organisation = "Acme",
                    industry = "Technology", officeType = "programme", startedOn = Fixture.Clock.Today.AddYears(-1), concurrent = false
                }
            });
            otherWrite = response.Status;
        });
        var lost = await Page.RunAndWaitForResponseAsync(() => Page.GetByRole(AriaRole.Button, new() { Name = "Log activity" }).ClickAsync(),
            r => r.Request.Method == "POST");

        otherWrite.ShouldBe(204);
        lost.Status.ShouldBe(409);
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Your record changed at the same moment. Nothing was saved; please submit again.");
        await Expect(Page.GetByLabel("What you did")).ToHaveValueAsync("Read the portfolio office handbook");
        await Expect(Page.GetByLabel("What you learned")).ToHaveValueAsync("How a portfolio office sets priorities across programmes.");

        await Page.GetByRole(AriaRole.Button, new() { Name = "Log activity" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your activity is logged");
        // Once: the submit that lost the race recorded nothing; the other write is there.
        await Page.GotoAsync("/me/timeline");
        await Expect(Page.Locator("ol.timeline > li", new() { HasText = "Read the portfolio office handbook" })).ToHaveCountAsync(1);
        await Expect(Page.Locator("ol.timeline > li", new() { HasText = "PMO analyst" })).ToHaveCountAsync(1);
    }
}
