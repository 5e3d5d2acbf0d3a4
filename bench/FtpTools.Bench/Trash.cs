using System;
using System.IO;

namespace FtpTools.Bench;

/// <summary>
/// Where the harness puts the directories a run leaves behind (small-file downloads and uploads, warm-up copies)
/// instead of deleting them, until the whole benchmark is over. On a filesystem without a journal (this machine's
/// ext4), a file created within a minute or so after many were deleted in the same place waits while the kernel's
/// inode allocator walks past every recently freed inode, and each one it skips costs a lookup: by hand
/// (2026-11-23, stop 32), vsftpd took 1.3 ms from STOR to its 150 per file right after the previous run's 2,000
/// files were deleted, and 2,000 FtpTools FTP uploads took 3.9-4.3 s that way against 2.1-2.4 s into a new
/// directory with the old one moved aside. Until then every small-file row measured that scan as much as the tool.
/// A directory is renamed into the trash (same filesystem: the data set's directory, the server roots and the work
/// directory all lie under one temporary directory); a file is deleted, since one freed inode costs nothing worth
/// counting and a 1 GiB file kept would cost the disk. Where the rename fails, the entry is deleted.
/// </summary>
internal static class Trash
{
    /// <summary>Moves a directory into <paramref name="trash"/> (made if missing) or deletes a file or link.</summary>
    public static void Discard(FileSystemInfo entry, string trash)
    {
        if (entry is DirectoryInfo directory && (directory.Attributes & FileAttributes.ReparsePoint) == 0)
        {
            try
            {
                Directory.CreateDirectory(trash);
                directory.MoveTo(Path.Combine(trash, directory.Name + "." + Guid.NewGuid().ToString("N")));
            }
            catch (IOException)
            {
                directory.Delete(recursive: true);
            }

            return;
        }

        entry.Delete();
    }

    /// <summary>Deletes the trash and everything in it (the end of a benchmark).</summary>
    public static void Empty(string trash)
    {
        if (Directory.Exists(trash))
        {
            Directory.Delete(trash, recursive: true);
        }
    }
}
