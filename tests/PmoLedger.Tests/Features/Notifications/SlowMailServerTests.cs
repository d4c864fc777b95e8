using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PmoLedger.Features.Notifications;
using PmoLedger.Infrastructure;
using PmoLedger.Tests.Hosting;
using Wolverine;

namespace PmoLedger.Tests.Features.Notifications;

/// <summary>
/// A notice goes out while the person's record stays open for writing: a mail server that accepts the connection and
/// then says nothing must not hold up a provider's or the practitioner's next write. On a database and a service of
/// their own, whose SMTP server is a socket this test holds silent.
/// </summary>
public class SlowMailServerTests(AppFixture fixture) : IntegrationContext(fixture)
{
    [Fact]
    public Task a_notice_stuck_at_the_mail_server_does_not_hold_up_writes_to_the_record() => PmoLedger.Tests.Hosting.LedgerNodes.OnOwnDatabases(StuckSend);

    private static async Task StuckSend()
    {
        using var smtp = new TcpListener(IPAddress.Loopback, 0);
        smtp.Start();
        var port = ((IPEndPoint)smtp.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var clock = new TestClock();
        await using var host = await LedgerNodes.Start(await TestDatabases.Fresh("_smtp"), solo: true, clock, null,
            ("Mail__Smtp__Host", "127.0.0.1"), ("Mail__Smtp__Port", port), ("Mail__Smtp__TimeoutSeconds", "300"));
        var admin = host.AdminToken();
        var id = await host.Register(admin);
        var renewBy = clock.Today.AddDays(60);
        var awarded = await host.Scenario(s =>
        {
            s.WithBearerToken(admin);
            s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = renewBy.AddYears(-3), certificateNumber = "C-1" })
                .ToUrl($"/api/practitioners/{id}/certifications");
            s.StatusCodeShouldBe(201);
        });
        var certificationId = (await awarded.Json()).GetProperty("certificationId").GetGuid();

        // The reminder's send reaches the mail server, which answers nothing.
        using var scope = host.Services.CreateScope();
        var sending = scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(
            new SendRenewalNotice(id, certificationId, renewBy, NotificationKinds.RenewalReminder(90)), CancellationToken.None, TimeSpan.FromMinutes(10));
        // A guard against a send that never reaches the server, not a wait: the accept returns as soon as it connects.
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var accepting = smtp.AcceptTcpClientAsync(patience.Token).AsTask();
        await Task.WhenAny(accepting, sending);
        if (sending.IsFaulted) await sending;
        sending.IsCompleted.ShouldBeFalse("the send finished without reaching the mail server");
        using var stuck = await accepting;

        // Meanwhile the practitioner logs CPD: recorded at once, while the send is still waiting on the server.
        var token = host.Services.GetRequiredService<AuthSettings>().Mint(Roles.Practitioner, id, null, clock.GetUtcNow());
        await host.Scenario(s =>
        {
            s.WithBearerToken(token);
            s.Post.Json(new { category = "professional-experience", points = 2, title = "Ran a portfolio review",
                reflection = "What I learned and how I will use it at work.", occurredOn = clock.Today }).ToUrl($"/api/practitioners/{id}/cpd");
            s.StatusCodeShouldBe(201);
        });
        sending.IsCompleted.ShouldBeFalse();

        // The server hangs up and goes away (the handler's quick retries find it gone): the send fails, nothing is
        // recorded, and the claim is dropped for the later retry.
        stuck.Close();
        smtp.Stop();
        await Should.ThrowAsync<Exception>(() => sending);
        var notifications = await host.Scenario(s =>
        {
            s.WithBearerToken(admin);
            s.Get.Url($"/api/practitioners/{id}/notifications");
        });
        (await notifications.Json()).GetProperty("items").EnumerateArray()
            .Count(n => n.GetProperty("kind").GetString() == NotificationKinds.RenewalReminder(90)).ShouldBe(0);
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        (await session.QueryAsync<int>($"select count(*)::int from ledger.{NoticeClaims.Table}")).Single().ShouldBe(0);
    }
}
