using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Infrastructure;

public class CallerPathTests
{
    [Fact]
    public void a_relative_file_lands_where_the_command_was_typed_not_in_the_project_folder() =>
        CallerPath.Resolve("out.ndjson", "/home/auditor", "/repo/src/PmoLedger").ShouldBe("/home/auditor/out.ndjson");

    [Fact]
    public void without_a_shell_the_process_directory_is_used() =>
        CallerPath.Resolve("exports/out.ndjson", null, "/srv/ledger").ShouldBe("/srv/ledger/exports/out.ndjson");

    [Fact]
    public void an_absolute_path_stays_as_given() =>
        CallerPath.Resolve("/tmp/out.ndjson", "/home/auditor", "/repo").ShouldBe("/tmp/out.ndjson");
}
