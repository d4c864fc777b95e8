using System.Net.Sockets;
using Marten.Exceptions;
using Npgsql;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

public class DatabaseOutageRulesTests
{
    private static PostgresException Pg(string state) => new("message", "ERROR", "ERROR", state);

    [Theory]
    [InlineData("57P01")] // admin_shutdown: the server is going down
    [InlineData("57P03")] // cannot_connect_now: starting up
    [InlineData("53300")] // too_many_connections
    [InlineData("08006")] // connection_failure
    public void the_server_going_away_or_full_is_an_outage(string state) => DatabaseOutage.Is(Pg(state)).ShouldBeTrue();

    [Theory]
    [InlineData("23505")] // a unique key taken: a conflict, the database answered
    [InlineData("42P01")] // a missing table: a bug, not an outage
    public void an_answer_from_the_database_is_not_an_outage(string state) => DatabaseOutage.Is(Pg(state)).ShouldBeFalse();

    [Fact]
    public void a_refused_connection_inside_marten_wrappers_is_an_outage_never_sent()
    {
        var refused = new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));
        var wrapped = new AggregateException(new MartenCommandException(new NpgsqlCommand("select 1"), refused));
        DatabaseOutage.Is(wrapped).ShouldBeTrue();
        DatabaseOutage.NeverSent(wrapped).ShouldBeTrue();
    }

    [Fact]
    public void a_connection_cut_mid_read_is_an_outage_but_may_have_committed()
    {
        var cut = new NpgsqlException("Exception while reading from stream", new EndOfStreamException());
        DatabaseOutage.Is(cut).ShouldBeTrue();
        DatabaseOutage.NeverSent(cut).ShouldBeFalse();
    }

    [Fact]
    public void an_ordinary_failure_is_not_an_outage() => DatabaseOutage.Is(new InvalidOperationException("bug")).ShouldBeFalse();
}
