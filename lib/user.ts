// Who is asking: the signed-in user as every layer sees them (roles and place in the org tree are read fresh
// from the database on each request).
/** The caller, as proven by their token. */
export interface CurrentUser {
  id: string;
  login: string;
  role: 'district_admin' | 'department_staff' | 'township_officer' | 'grassroots_chair';
  displayName: string;
  orgId: string;
  orgLevel: 'district' | 'township' | 'grassroots';
  districtId: string;
  /** The township the user's org sits in (their own org for a township officer); null at district level. */
  townshipId: string | null;
  department: string | null;
}
