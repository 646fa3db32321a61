namespace Enigma.Cluster.Host.Commands;

/// <summary>Process exit codes of every verb, documented in the README.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command line itself is wrong (System.CommandLine's own code for parse errors).</summary>
    public const int Usage = 1;

    /// <summary>The input data is missing, unreadable or invalid; nothing was written.</summary>
    public const int BadInput = 2;

    /// <summary>The output could not be written; an existing output file is left untouched.</summary>
    public const int OutputFailed = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM before it finished (128 + SIGINT, as shells report it); what was done is kept.</summary>
    public const int Interrupted = 130;
}
