using System.IO.Compression;

namespace Enigma.Cluster.Host.Commands;

/// <summary>How every verb writes its output file.</summary>
public static class OutputFile
{
    /// <summary>Writes next to the target and moves into place, so a failed run never leaves a half-written or clobbered file.</summary>
    public static void WriteAtomically(FileInfo output, Action<Stream> write)
    {
        var directory = output.Directory ?? new DirectoryInfo(Directory.GetCurrentDirectory());
        directory.Create();
        var temporary = Path.Combine(directory.FullName, $".{output.Name}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (output.Name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    using var gzip = new GZipStream(stream, CompressionLevel.Optimal);
                    write(gzip);
                }
                else
                {
                    write(stream);
                }
            }

            File.Move(temporary, output.FullName, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
