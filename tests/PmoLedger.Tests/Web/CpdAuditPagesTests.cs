using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PmoLedger.Infrastructure;
using PmoLedger.Web;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class CpdAuditPagesTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    /// <summary>An auditor of its own: the demo auditor's sign-in links are already used up by other tests in this window.</summary>
    private const string CampaignAuditor = "cpd.auditor@example.org";

    private async Task AddAuditor()
    {
        await using var session = Fixture.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        await StaffAccounts.AddAsync(session, Fixture.Services.GetRequiredService<KeyRing>(),
            new InviteStaff(CampaignAuditor, "Casey Reviewer", Roles.Auditor, null), Fixture.Clock, "test", CancellationToken.None);
    }

    [Fact]
    public async Task the_auditor_runs_a_campaign_the_practitioner_sends_evidence_and_the_auditor_decides()
    {
        await AddAuditor();
        var today = Fixture.Clock.Today;
        byte[] minutes = [.. "%PDF-1.4\n% minutes of the board\n"u8.ToArray(), .. Enumerable.Range(0, 300).Select(i => (byte)i), .. "\n%%EOF"u8.ToArray()];

        // The auditor opens a campaign over every practitioner with CPD in the last two years.
        await SignIn(CampaignAuditor);
        await Page.GotoAsync("/audit/cpd-campaigns");
        await CheckPage();
        await Page.GetByLabel("Campaign name").FillAsync("Renewals spot check");
        await Page.GetByLabel("CPD logged from").FillAsync(today.AddYears(-2).ToString("yyyy-MM-dd"));
        await Page.GetByLabel("CPD logged to").FillAsync(today.ToString("yyyy-MM-dd"));
        await Page.GetByLabel("How many practitioners").FillAsync("1");
        await Page.GetByLabel("Or a share of them (0 to 1)").FillAsync("1");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Open campaign" }).ClickAsync();
        await Expect(Page.Locator("#sampleSize-error")).ToContainTextAsync("exactly one of");
        await Page.GetByLabel("How many practitioners").FillAsync("");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Open campaign" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "CPD audit campaign: Renewals spot check" })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Priya Shah" })).ToBeVisibleAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Draw the sample again" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Reproduced");
        await CheckPage("cpd-campaign.png");
        var campaignUrl = Page.Url;

        // The practitioner is called to act, sees what to send and by when, and sends a file.
        await Context.ClearCookiesAsync();
        await SignIn(Practitioner);
        await Page.GotoAsync("/me");
        await Expect(Page.Locator(".call-to-act")).ToContainTextAsync("selected for audit");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Send evidence" }).ClickAsync();
        var activity = Page.Locator("ul.audit-activities > li", new() { HasText = "Set up a benefits realisation review board" });
        await Expect(Page.Locator("section.card").First).ToContainTextAsync("UTC");
        await activity.GetByLabel("Note").FillAsync("Terms of reference and the first board's minutes.");
        await activity.GetByLabel("File (PDF, PNG or JPEG, at most 10 MB)").SetInputFilesAsync(new FilePayload
        {
            Name = "board-minutes.pdf", MimeType = "application/pdf", Buffer = minutes
        });
        await activity.GetByRole(AriaRole.Button, new() { Name = "Send evidence" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your evidence is sent");
        await CheckPage("cpd-audit-evidence.png");

        // The auditor reviews the evidence and rejects the activity, then concludes.
        await Context.ClearCookiesAsync();
        await Page.GotoAsync("/");
        await Page.GotoAsync(await LinkFor(CampaignAuditor));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Page.GotoAsync(campaignUrl);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Priya Shah" }).ClickAsync();
        var review = Page.Locator("ul.audit-activities > li", new() { HasText = "Set up a benefits realisation review board" });
        await Expect(review).ToContainTextAsync("Terms of reference and the first board's minutes.");
        var download = review.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex(@"^evidence-.*\.pdf$") });
        var file = await Context.APIRequest.GetAsync((await download.GetAttributeAsync("href"))!);
        (await file.BodyAsync()).ShouldBe(minutes);
        await CheckPage("cpd-audit-review.png");
        await review.GetByLabel("Reject (it stops counting)").CheckAsync();
        await review.GetByLabel("Reason").FillAsync("The minutes do not name the practitioner.");
        await review.GetByRole(AriaRole.Button, new() { Name = "Record decision" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("The activity is rejected.");
        await Expect(Page.Locator("ul.audit-activities > li", new() { HasText = "Set up a benefits realisation review board" }))
            .ToContainTextAsync("rejected");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Conclude the audit" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("The audit is concluded.");
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("concluded: failed");
    }

    /// <summary>A fresh sign-in link for the address (the previous one was used).</summary>
    private async Task<string> LinkFor(string email)
    {
        var before = Fixture.MailsTo(email);
        await AskForLink(email);
        return await Fixture.NextLinkFor(email, before);
    }
}
