using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PmoLedger.Web;
using static Microsoft.Playwright.Assertions;

namespace PmoLedger.Tests.Web;

/// <summary>
/// A sign-in link whose mail cannot be sent: the person gets nothing, the operator reads why without the address, and
/// asking again once the mail server is back delivers a link that works.
/// </summary>
public class SignInMailFailureTests(BrowserFixture fixture) : BrowserContext(fixture)
{
    private const string Failed = "Sending a sign-in link failed";

    [Fact]
    public async Task a_link_whose_mail_fails_is_not_sent_nor_logged_with_the_address_and_the_next_request_works()
    {
        const string email = "mona.mailfail@example.org";
        (await Context.APIRequest.PostAsync("/api/practitioners", new()
        {
            Headers = AdminHeaders(), DataObject = new { fullName = "Mona Mailfail", email }
        })).Status.ShouldBe(201);

        // The mail server is down: an SMTP address on a loopback port nothing listens on refuses the connection at once.
        var mail = Fixture.Services.GetRequiredService<MailSettings>();
        var failuresBefore = Failures();
        var before = Fixture.MailsTo(email);
        var (host, port) = (mail.Smtp.Host, mail.Smtp.Port);
        try
        {
            mail.Smtp.Host = "127.0.0.1";
            mail.Smtp.Port = ClosedPort();
            await AskForLink(email);
            await LogWait.Until(() => Failures().Count > failuresBefore.Count);
        }
        finally
        {
            // Put back what the fixture had, whatever that is.
            (mail.Smtp.Host, mail.Smtp.Port) = (host, port);
        }

        Fixture.MailsTo(email).ShouldBe(before);
        var failure = Failures().Except(failuresBefore).Single();
        // The exception's type only: a mail server's own message (or a stack trace) is not written.
        failure.ShouldMatch($@"^{Regex.Escape(Failed)} \(""?\w+Exception""?\); the person can ask for another \|  \|");
        Fixture.Log.Text().ShouldNotContain(email, Case.Insensitive);

        // Mail works again: asking again delivers one link (the failed one is not sent late), and it signs in.
        await AskForLink(email);
        var link = await Fixture.NextLinkFor(email, before);
        Fixture.MailsTo(email).ShouldBe(before + 1);
        await Page.GotoAsync(link);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Mona Mailfail" })).ToBeVisibleAsync();
    }

    private List<string> Failures() =>
        Fixture.Log.Text().Split(Environment.NewLine).Where(line => line.StartsWith(Failed, StringComparison.Ordinal)).ToList();

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
