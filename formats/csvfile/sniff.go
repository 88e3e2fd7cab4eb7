package csvfile

// candidates are the delimiters Sniff chooses from, in order of preference
// when they score the same.
var candidates = []byte{',', ';', '\t'}

// maxSniffRecords bounds how many records of the sample Sniff looks at.
const maxSniffRecords = 20

// Sniff guesses the delimiter of a CSV file from sample, its first bytes.
// For each candidate (comma, semicolon, tab) it splits the first records,
// honouring quotes, and prefers the candidate whose header splits into more
// than one field and that splits the most following records into the same
// number of fields as the header; ties go to the wider header, then to the
// earlier candidate. A sample that no candidate splits gives a comma (a
// one-column file).
func Sniff(sample []byte) byte {
	best, bestMatch, bestWidth := byte(','), -1, 1
	for _, d := range candidates {
		counts := fieldCounts(sample, d)
		if len(counts) == 0 || counts[0] < 2 {
			continue
		}
		match := 0
		for _, n := range counts[1:] {
			if n == counts[0] {
				match++
			}
		}
		if match > bestMatch || (match == bestMatch && counts[0] > bestWidth) {
			best, bestMatch, bestWidth = d, match, counts[0]
		}
	}
	return best
}

// fieldCounts splits the complete records of sample with delimiter d and
// returns the number of fields in each non-blank one. A record cut by the
// end of the sample is left out unless it is the only one.
func fieldCounts(sample []byte, d byte) []int {
	var counts []int
	inQuotes, atFieldStart, n, blank := false, true, 1, true
	for i := 0; i < len(sample) && len(counts) < maxSniffRecords; i++ {
		c := sample[i]
		if inQuotes {
			if c == '"' {
				if i+1 < len(sample) && sample[i+1] == '"' {
					i++
				} else {
					inQuotes = false
				}
			}
			continue
		}
		switch {
		case c == '"' && atFieldStart:
			inQuotes, atFieldStart, blank = true, false, false
		case c == d:
			n++
			atFieldStart, blank = true, false
		case c == '\n':
			if !blank {
				counts = append(counts, n)
			}
			n, atFieldStart, blank = 1, true, true
		case c == '\r':
		default:
			atFieldStart, blank = false, false
		}
	}
	if len(counts) == 0 && !blank {
		counts = append(counts, n)
	}
	return counts
}
