# count.awk: the counts of logproc scan for slog's logfmt lines, in awk, so
# that make bench can time mawk doing the same job. It prints one count a
# line, in no particular order:
#
#	level LEVEL N      events per level
#	nouser LEVEL N     events per level that name no user
#	user USER N        events per user
#	blank - N          lines of white space only
#	malformed - N      other lines without a level= field
#
# Fields are split on spaces. A quoted value with spaces (msg="user action")
# then spans fields, but none of them starts with level= or user=, and
# slog writes level= before msg= and user= after it. A quoted value may
# itself hold "level=" or "user=" (the generator's tricky messages do);
# slog quotes such a value and escapes the quotes in it, so a line with a
# backslash takes the slow path: drop the escapes, empty every quoted
# string, then split. The fast path assumes what the generator guarantees:
# no quoted value holds " level=" or " user=" without also holding a
# backslash. Counts are printed with %.0f, since mawk prints an integer
# over 2^31 as 5e+09 and clamps %d.
NF == 0 { blank++; next }
{
	level = ""; user = ""
	if (index($0, "\\")) {
		s = $0
		gsub(/\\./, "", s)
		gsub(/"[^"]*"/, "\"\"", s)
		n = split(s, f, " ")
		for (i = 1; i <= n; i++) {
			if (level == "" && substr(f[i], 1, 6) == "level=") level = substr(f[i], 7)
			else if (user == "" && substr(f[i], 1, 5) == "user=") user = substr(f[i], 6)
		}
	} else {
		for (i = 1; i <= NF; i++) {
			if (substr($i, 1, 6) == "level=") { level = substr($i, 7); break }
		}
		for (i++; i <= NF; i++) {
			if (substr($i, 1, 5) == "user=") { user = substr($i, 6); break }
		}
	}
	if (level == "") { malformed++; next }
	levels[level]++
	if (user == "") nouser[level]++
	else users[user]++
}
END {
	for (k in levels) printf "level %s %.0f\n", k, levels[k]
	for (k in nouser) printf "nouser %s %.0f\n", k, nouser[k]
	for (k in users) printf "user %s %.0f\n", k, users[k]
	printf "blank - %.0f\n", blank
	printf "malformed - %.0f\n", malformed
}
