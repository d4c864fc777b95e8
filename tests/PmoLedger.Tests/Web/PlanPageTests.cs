using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class PlanPageTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task a_practitioner_sets_a_goal_and_marks_it_achieved_with_evidence_from_their_record()
    {
        await SignIn("tom.okafor@example.org");
        await Page.GotoAsync("/me/plan");
        await CheckPage();

        await Page.GetByLabel("Dimension").SelectOptionAsync("skills");
        await Page.GetByLabel("Goal", new() { Exact = true }).FillAsync("Run a planning workshop on my own");
        await Page.GetByLabel("Target date").FillAsync(Fixture.Clock.Today.AddDays(-1).ToString("yyyy-MM-dd"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Set goal" }).ClickAsync();
        await Expect(Page.Locator("#targetDate-error")).ToContainTextAsync("may not be in the past");
        await Expect(Page.GetByLabel("Goal", new() { Exact = true })).ToHaveValueAsync("Run a planning workshop on my own");

        await Page.GetByLabel("Target date").FillAsync(Fixture.Clock.Today.AddMonths(3).ToString("yyyy-MM-dd"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Set goal" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("The goal is on your plan");
        var goal = Page.Locator("section[aria-labelledby=dim-skills] li", new() { HasText = "Run a planning workshop on my own" });
        await Expect(goal).ToContainTextAsync("open");

        await goal.GetByLabel("Evidence from your record").SelectOptionAsync(new SelectOptionValue { Label = (await goal.Locator("option", new() { HasText = "Planning and scheduling fundamentals" }).InnerTextAsync()).Trim() });
        await goal.GetByRole(AriaRole.Button, new() { Name = "Mark achieved" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("marked achieved");
        await Expect(Page.Locator("section[aria-labelledby=dim-skills] li", new() { HasText = "Run a planning workshop on my own" }))
            .ToContainTextAsync("shown by completion \"Planning and scheduling fundamentals\"");
        await CheckPage("plan.png");
    }
}
