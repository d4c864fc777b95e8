using Marten;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;
using Serilog.Events;
using Serilog.Parsing;

namespace PmoLedger.Tests.Infrastructure;

/// <summary>The whole-suite log check (AppFixture) must be able to fail: a registered name or email in any log event is found.</summary>
public class CapturedLogTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private static LogEvent Event(string message, params (string Name, string Value)[] properties) => new(
        DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse(message),
        properties.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));

    [Fact]
    public async Task a_registered_name_or_email_in_any_log_event_is_a_leak()
    {
        var log = new CapturedLog();
        var id = Guid.NewGuid();
        await using (var session = Store.LightweightSession())
        {
            session.Events.StartStream<Practitioner>(id,
                new PractitionerRegistered(id, PersonalText.Of(id, "Wilhelmina Stroud"), PersonalText.Of(id, "w.stroud@example.org"), Clock.Today));
            await log.BeforeSaveChangesAsync(session, CancellationToken.None);
        }

        log.Emit(Event("Handled {Path}", ("Path", "/api/practitioners/1")));
        log.Leaks().ShouldBeEmpty();

        log.Emit(Event("Looked up {Who}", ("Who", "W.Stroud@Example.org")));
        log.Emit(Event("Wilhelmina Stroud joined"));
        log.Leaks().ShouldBe(["Wilhelmina Stroud", "w.stroud@example.org"], ignoreOrder: true);
    }
}
