using Serilog.Events;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>
/// What a request log line must not carry: a sign-in link's secret (it signs the holder in) and the
/// values that identify a person, wherever the line keeps them (message or properties).
/// </summary>
public class RequestLogRedactionTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private static string Everything(LogEvent e) =>
        string.Join(" | ", new[] { e.RenderMessage() }.Concat(e.Properties.Select(p => $"{p.Key}={p.Value}")));

    [Fact]
    public async Task a_sign_in_links_secret_never_reaches_the_log()
    {
        const string secret = "Zq7secretTokenNeverLoggedXk2";
        Logs.Clear();

        await Host.Scenario(s =>
        {
            s.Get.Url($"/signin/{secret}");
            s.IgnoreStatusCode();
        });

        await Logs.WaitFor(e => Everything(e).Contains("/signin/***"));
        var lines = Logs.AtLeast(LogEventLevel.Verbose).Select(Everything).ToList();
        lines.ShouldNotContain(l => l.Contains(secret));
    }

    [Theory]
    [InlineData("?agent=%7B%22mbox%22%3A%22mailto%3Ajo%40example.org%22%7D&limit=5", "?agent=***&limit=5")]
    [InlineData("?email=jo.bloggs%40example.org", "?email=***")]
    public void xapi_agent_values_are_masked_like_emails(string query, string logged) =>
        LogRedaction.Redact(query).ShouldBe(logged);
}
