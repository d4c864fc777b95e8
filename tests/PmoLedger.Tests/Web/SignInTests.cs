using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

public class SignInTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    [Fact]
    public async Task a_link_works_once()
    {
        var before = Fixture.MailsTo("tom.okafor@example.org");
        await AskForLink("tom.okafor@example.org");
        var link = await Fixture.NextLinkFor("tom.okafor@example.org", before);
        await Page.GotoAsync(link);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Tom Okafor" })).ToBeVisibleAsync();

        await using var other = await Fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Fixture.BaseUrl });
        var second = await other.NewPageAsync();
        await second.GotoAsync(link);
        var response = await second.RunAndWaitForResponseAsync(
            () => second.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync(), r => r.Request.Method == "POST");
        response.Status.ShouldBe(410);
        await Expect(second.GetByRole(AriaRole.Alert)).ToContainTextAsync("already been used");
        (await other.CookiesAsync()).ShouldNotContain(c => c.Name == "pmoledger.session");
    }

    [Fact]
    public async Task a_link_expires_after_fifteen_minutes()
    {
        var before = Fixture.MailsTo("alex.morgan@example.org");
        await AskForLink("alex.morgan@example.org");
        var link = await Fixture.NextLinkFor("alex.morgan@example.org", before);
        Fixture.Clock.Offset = TimeSpan.FromMinutes(15);
        await Page.GotoAsync(link);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("expired");
        await CheckPage();
        await Page.GotoAsync("/me");
        await Expect(Page.GetByText("Please sign in to see that page.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task an_unknown_address_gets_the_same_answer_and_no_mail()
    {
        await AskForLink("nobody.here@example.org");
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("If nobody.here@example.org belongs to an account");
        // Requests are handled one at a time in the order asked: once a later request's mail has arrived, the unknown
        // address's request has been handled too.
        await CheckPage("check-email.png");
        var before = Fixture.MailsTo("tom.okafor@example.org");
        await AskForLink("tom.okafor@example.org");
        await Fixture.NextLinkFor("tom.okafor@example.org", before);
        Fixture.MailsTo("nobody.here@example.org").ShouldBe(0);
    }

    [Fact]
    public async Task a_practitioner_may_not_open_the_audit_pages()
    {
        await SignIn(Practitioner);
        var tom = await Fixture.PractitionerIdOf("tom.okafor@example.org");
        var response = await Page.GotoAsync($"/audit/practitioners/{tom}");
        response!.Status.ShouldBe(403);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "You may not see this page" })).ToBeVisibleAsync();
        (await Context.APIRequest.GetAsync("/audit?handler=Export")).Status.ShouldBe(403);
        await CheckPage();

        (await Page.GotoAsync($"/me/no-such-page"))!.Status.ShouldBe(404);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task a_sixth_request_for_one_address_within_the_window_is_refused()
    {
        const string address = "rate.limited@example.org";
        for (var i = 0; i < 5; i++) await AskForLink(address);
        await Page.GotoAsync("/");
        await Page.GetByLabel("Email address").FillAsync(address);
        var response = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Email me a sign-in link" }).ClickAsync(), r => r.Request.Method == "POST");
        response.Status.ShouldBe(429);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Too many requests" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task a_form_without_its_antiforgery_token_is_refused()
    {
        var response = await Context.APIRequest.PostAsync("/signin", new APIRequestContextOptions { Form = Context.APIRequest.CreateFormData().Set("email", Practitioner) });
        response.Status.ShouldBe(400);
    }

    [Fact]
    public async Task signing_out_ends_the_session_on_the_server()
    {
        await SignIn(Practitioner);
        var session = (await Context.CookiesAsync()).Single(c => c.Name == "pmoledger.session");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        // The old cookie, replayed from elsewhere, no longer opens the practitioner's pages.
        await using var replay = await Fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Fixture.BaseUrl });
        await replay.AddCookiesAsync([new Cookie { Name = session.Name, Value = session.Value, Domain = session.Domain, Path = session.Path }]);
        var page = await replay.NewPageAsync();
        await page.GotoAsync("/me");
        await Expect(page.GetByText("Please sign in to see that page.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task a_browser_session_cannot_call_the_api()
    {
        await SignIn(Practitioner);
        var id = await Fixture.PractitionerIdOf(Practitioner);
        var response = await Context.APIRequest.GetAsync($"/api/practitioners/{id}");
        response.Status.ShouldBe(401);
    }
}
