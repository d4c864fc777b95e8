using System.Text.Json;

namespace PmoLedger.Tests.Features.Audit;

public class IntegrityTests(AppFixture fixture) : AuditContext(fixture)
{
    private async Task<List<Guid>> SomeHistory()
    {
        var a = await RegisterPractitioner("Ada");
        var b = await RegisterPractitioner("Bo");
        await ChangeRole(a, "administrator", Clock.Today.AddYears(-3));
        await ChangeRole(b, "analyst", Clock.Today.AddYears(-1));
        await ChangeRole(a, "analyst", Clock.Today.AddMonths(-2));
        await WaitForChain();
        return [a, b];
    }

    private Task<long> SequenceOf(Guid stream, int version) =>
        Scalar<long>("select seq_id from ledger.mt_events where stream_id = $1 and version = $2", stream, (long)version);

    [Fact]
    public async Task an_untouched_log_verifies_and_reports_the_chain_head()
    {
        await SomeHistory();

        var report = await Audit("/api/audit/integrity");

        report.GetProperty("verified").GetBoolean().ShouldBeTrue();
        report.GetProperty("eventsChecked").GetInt64().ShouldBe(await EventCount());
        report.GetProperty("firstBrokenSequence").ValueKind.ShouldBe(JsonValueKind.Null);
        report.Str("chainHead").Length.ShouldBe(64);
        report.GetProperty("notYetChained").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task an_empty_log_verifies_with_nothing_checked()
    {
        var report = await Audit("/api/audit/integrity");
        report.GetProperty("verified").GetBoolean().ShouldBeTrue();
        report.GetProperty("eventsChecked").GetInt64().ShouldBe(0);
        report.GetProperty("chainHead").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task an_event_changed_in_sql_is_caught_at_exactly_its_sequence_and_restoring_it_verifies_again()
    {
        var ids = await SomeHistory();
        var target = await SequenceOf(ids[1], 2);
        var original = await Scalar<string>("select data::text from ledger.mt_events where seq_id = $1", target);

        await Sql("update ledger.mt_events set data = jsonb_set(data, '{title}', '\"Chief Executive\"') where seq_id = $1", target);
        var tampered = await Audit("/api/audit/integrity");
        tampered.GetProperty("verified").GetBoolean().ShouldBeFalse();
        tampered.GetProperty("firstBrokenSequence").GetInt64().ShouldBe(target);
        tampered.GetProperty("eventsChecked").GetInt64().ShouldBe(
            await Scalar<long>("select count(*) from ledger.mt_events where seq_id < $1 and type <> 'tombstone'", target));

        await Sql("update ledger.mt_events set data = $2::jsonb where seq_id = $1", target, original);
        var restored = await Audit("/api/audit/integrity");
        restored.GetProperty("verified").GetBoolean().ShouldBeTrue();
    }

    [Theory]
    [InlineData("update ledger.mt_events set user_name = 'someone-else' where seq_id = $1")]
    [InlineData("update ledger.mt_events set correlation_id = 'other-request' where seq_id = $1")]
    [InlineData("update ledger.mt_events set timestamp = timestamp - interval '1 day' where seq_id = $1")]
    [InlineData("update ledger.mt_events set type = 'tombstone' where seq_id = $1")]
    public async Task changing_who_when_or_whether_an_event_happened_is_caught_at_its_sequence(string tamper)
    {
        var ids = await SomeHistory();
        var target = await SequenceOf(ids[0], 2);

        await Sql(tamper, target);

        var report = await Audit("/api/audit/integrity");
        report.GetProperty("verified").GetBoolean().ShouldBeFalse();
        report.GetProperty("firstBrokenSequence").GetInt64().ShouldBe(target);
    }

    [Fact]
    public async Task a_deleted_event_takes_its_link_with_it_and_is_caught_at_the_next_event()
    {
        var ids = await SomeHistory();
        var target = await SequenceOf(ids[0], 2);
        var next = await Scalar<long>("select min(seq_id) from ledger.mt_events where seq_id > $1 and type <> 'tombstone'", target);

        await Sql("delete from ledger.mt_events where seq_id = $1", target);

        var report = await Audit("/api/audit/integrity");
        report.GetProperty("verified").GetBoolean().ShouldBeFalse();
        report.GetProperty("firstBrokenSequence").GetInt64().ShouldBe(next);
    }

    [Fact]
    public async Task a_forged_link_is_caught_at_its_sequence()
    {
        var ids = await SomeHistory();
        var target = await SequenceOf(ids[0], 1);

        await Sql("update ledger.pmo_event_chain set link = sha256(link) where seq_id = $1", target);

        var report = await Audit("/api/audit/integrity");
        report.GetProperty("verified").GetBoolean().ShouldBeFalse();
        report.GetProperty("firstBrokenSequence").GetInt64().ShouldBe(target);
    }

    [Fact]
    public async Task new_events_keep_extending_the_chain_from_the_previous_head()
    {
        var ids = await SomeHistory();
        var first = await Audit("/api/audit/integrity");

        await ChangeRole(ids[1], "manager", Clock.Today.AddDays(-3));
        var second = await Audit("/api/audit/integrity");

        second.GetProperty("verified").GetBoolean().ShouldBeTrue();
        second.GetProperty("eventsChecked").GetInt64().ShouldBeGreaterThan(first.GetProperty("eventsChecked").GetInt64());
        second.Str("chainHead").ShouldNotBe(first.Str("chainHead"));
    }
}
