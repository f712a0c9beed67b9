package snapshotio

// shuffle writes src into dst as w byte planes (see the package comment):
// plane j holds byte j of each of the len(src)/w scalars, and the remainder
// len(src)%w is copied last as is. len(dst) must be len(src).
//
// The plain loops below beat hand-unrolled 64-bit versions on amd64 (see
// BenchmarkShuffle); widths 2, 4 and 8 get their own to keep the compiler's
// bounds checks out of the inner loop.
func shuffle(dst, src []byte, w int) {
	n := len(src) / w
	switch w {
	case 2:
		d0, d1 := dst[:n], dst[n:2*n]
		for i := range d0 {
			s := src[2*i : 2*i+2]
			d0[i], d1[i] = s[0], s[1]
		}
	case 4:
		d0, d1, d2, d3 := dst[:n], dst[n:2*n], dst[2*n:3*n], dst[3*n:4*n]
		for i := range d0 {
			s := src[4*i : 4*i+4]
			d0[i], d1[i], d2[i], d3[i] = s[0], s[1], s[2], s[3]
		}
	case 8:
		d0, d1, d2, d3 := dst[:n], dst[n:2*n], dst[2*n:3*n], dst[3*n:4*n]
		d4, d5, d6, d7 := dst[4*n:5*n], dst[5*n:6*n], dst[6*n:7*n], dst[7*n:8*n]
		for i := range d0 {
			s := src[8*i : 8*i+8]
			d0[i], d1[i], d2[i], d3[i] = s[0], s[1], s[2], s[3]
			d4[i], d5[i], d6[i], d7[i] = s[4], s[5], s[6], s[7]
		}
	default:
		for j := 0; j < w; j++ {
			d := dst[j*n : (j+1)*n]
			for i := range d {
				d[i] = src[i*w+j]
			}
		}
	}
	copy(dst[n*w:], src[n*w:])
}

// unshuffle inverts shuffle.
func unshuffle(dst, src []byte, w int) {
	n := len(src) / w
	switch w {
	case 2:
		s0, s1 := src[:n], src[n:2*n]
		for i := range s0 {
			d := dst[2*i : 2*i+2]
			d[0], d[1] = s0[i], s1[i]
		}
	case 4:
		s0, s1, s2, s3 := src[:n], src[n:2*n], src[2*n:3*n], src[3*n:4*n]
		for i := range s0 {
			d := dst[4*i : 4*i+4]
			d[0], d[1], d[2], d[3] = s0[i], s1[i], s2[i], s3[i]
		}
	case 8:
		s0, s1, s2, s3 := src[:n], src[n:2*n], src[2*n:3*n], src[3*n:4*n]
		s4, s5, s6, s7 := src[4*n:5*n], src[5*n:6*n], src[6*n:7*n], src[7*n:8*n]
		for i := range s0 {
			d := dst[8*i : 8*i+8]
			d[0], d[1], d[2], d[3] = s0[i], s1[i], s2[i], s3[i]
			d[4], d[5], d[6], d[7] = s4[i], s5[i], s6[i], s7[i]
		}
	default:
		for j := 0; j < w; j++ {
			s := src[j*n : (j+1)*n]
			for i, c := range s {
				dst[i*w+j] = c
			}
		}
	}
	copy(dst[n*w:], src[n*w:])
}
